package org.carnetsante.smart;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;

/**
 * The CapabilityStatement's {@code rest.security}: the SMART-on-FHIR service and its OAuth endpoints
 * ({@code oauth-uris} extension), as SMART App Launch 2.x §2.2 asks servers to declare them besides
 * {@code .well-known/smart-configuration}.
 */
@Interceptor
public class SmartCapabilityStatement {

	static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
	private static final String SECURITY_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service";

	private final SmartProperties smart;
	private final AuthorizationServerSettings settings;

	public SmartCapabilityStatement(SmartProperties smart, AuthorizationServerSettings settings) {
		this.smart = smart;
		this.settings = settings;
	}

	@Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
	public void declareSmartSecurity(IBaseConformance generated, RequestDetails request) {
		SmartEndpoints endpoints = SmartEndpoints.forRequest(((ServletRequestDetails) request).getServletRequest(), smart, settings);
		CapabilityStatement.CapabilityStatementRestSecurityComponent security =
				((CapabilityStatement) generated).getRestFirstRep().getSecurity();
		security.setCors(!smart.corsAllowedOrigins().isEmpty());
		security.getService().clear();
		security.addService(new CodeableConcept(new Coding(SECURITY_SERVICE, "SMART-on-FHIR", "SMART-on-FHIR")));
		security.setDescription("OAuth 2.0 bearer tokens per SMART App Launch 2.x and SMART Backend Services; "
				+ "see .well-known/smart-configuration");
		security.getExtension().removeIf(extension -> OAUTH_URIS.equals(extension.getUrl()));
		Extension oauthUris = security.addExtension().setUrl(OAUTH_URIS);
		oauthUris.addExtension("authorize", new UriType(endpoints.authorize()));
		oauthUris.addExtension("token", new UriType(endpoints.token()));
		oauthUris.addExtension("revoke", new UriType(endpoints.revoke()));
		oauthUris.addExtension("introspect", new UriType(endpoints.introspect()));
	}
}
