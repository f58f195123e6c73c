package org.carnetsante.smart;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Arrays;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Before an authorization that asks for {@code launch/patient}, someone who may open several spaces
 * (their own and their children's, or a relative's they were delegated) is sent to the picker page
 * to choose one; the picker returns to the same authorization request with the choice added.
 */
class PatientPickerRedirect extends OncePerRequestFilter {

	static final String PICKER_PATH = "/smart/choose-patient";

	private final UserAccounts accounts;

	PatientPickerRedirect(UserAccounts accounts) {
		this.accounts = accounts;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (needsChoice(request)) {
			response.sendRedirect(request.getContextPath() + PICKER_PATH + "?" + request.getQueryString());
			return;
		}
		chain.doFilter(request, response);
	}

	private boolean needsChoice(HttpServletRequest request) {
		if (!"GET".equals(request.getMethod()) || !request.getRequestURI().endsWith("/oauth2/authorize")) {
			return false;
		}
		String scope = request.getParameter("scope");
		if (scope == null || Arrays.stream(scope.split(" ")).noneMatch(LaunchContext.LAUNCH_PATIENT::equals)
				|| request.getParameter(LaunchContext.CHOSEN_PATIENT_PARAMETER) != null) {
			return false;
		}
		Authentication user = SecurityContextHolder.getContext().getAuthentication();
		return user != null && user.isAuthenticated() && !(user instanceof AnonymousAuthenticationToken)
				&& accounts.spacesOf(user.getName()).size() > 1;
	}
}
