package org.carnetsante.fhir;

import ca.uhn.fhir.rest.openapi.OpenApiInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.tags.Tag;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.thymeleaf.context.WebContext;
import org.thymeleaf.templateresource.ClassLoaderTemplateResource;

/**
 * {@code /fhir/api-docs} and {@code /fhir/swagger-ui/}: HAPI's OpenAPI description of the FHIR endpoint,
 * narrowed to what Carnet serves, with its full title and the ways to get a token.
 *
 * <ul>
 *   <li>HAPI describes every interaction the CapabilityStatement names; a path or method that
 *       {@link ServedInteractions} refuses (type and server history, conditional update and delete,
 *       operations Carnet does not serve) is left out, so that "Try it out" never leads to a refusal
 *       by design.
 *   <li>The title is Carnet's, whole. HAPI's page shows the implementation description as its heading
 *       and shifts that heading 18 px to the right after layout ({@code position: relative; left: 18px}
 *       in its {@code index.css}): on a window narrower than the heading, the end of each line fell past
 *       the right edge ("…santé role" lost its last characters at 800 px). Carnet's own page
 *       ({@code swagger-ui.html}) heads with the title, then the description, both free to wrap.
 *   <li>Security schemes come from the capabilities that own them ({@link OpenApiCustomizer}); the page
 *       sends PKCE (S256) and the {@code aud} parameter SMART requires when it runs the authorization
 *       code flow, and comes back to Swagger UI's {@code oauth2-redirect.html}.
 * </ul>
 */
public class CarnetOpenApi extends OpenApiInterceptor {

	static final String TITLE = "Carnet FHIR server";
	/** Where Swagger UI's OAuth 2.0 flow returns, below the FHIR base URL (a file of the swagger-ui webjar). */
	public static final String OAUTH2_REDIRECT_PATH = "/swagger-ui/oauth2-redirect.html";
	private static final String PAGE_TEMPLATE = "org/carnetsante/fhir/swagger-ui.html";

	private final ServedInteractions served;
	private final List<OpenApiCustomizer> customizers;

	public CarnetOpenApi(ServedInteractions served, List<OpenApiCustomizer> customizers) {
		this.served = served;
		this.customizers = List.copyOf(customizers);
	}

	@Override
	protected OpenAPI generateOpenApi(ServletRequestDetails request) {
		// HAPI writes the YAML with the container's default charset (ISO-8859-1) but no charset in its
		// content type, which browsers then read as UTF-8: the "é" of "santé" was lost.
		request.getServletResponse().setCharacterEncoding(StandardCharsets.UTF_8.name());
		OpenAPI description = super.generateOpenApi(request);
		description.getInfo().setTitle(TITLE);
		description.getInfo().setDescription(CarnetCapabilityStatement.DESCRIPTION);
		keepServedOnly(description);
		customizers.forEach(customizer -> customizer.customize(description, request.getServletRequest()));
		return description;
	}

	private void keepServedOnly(OpenAPI description) {
		if (description.getPaths() == null) {
			return;
		}
		description.getPaths().entrySet().removeIf(path -> {
			PathItem item = path.getValue();
			for (Map.Entry<PathItem.HttpMethod, Operation> operation : Map.copyOf(item.readOperationsMap()).entrySet()) {
				if (!served.serves(operation.getKey().name(), path.getKey())) {
					item.operation(operation.getKey(), null);
				}
			}
			return item.readOperations().isEmpty();
		});
		Set<String> usedTags = new HashSet<>();
		description.getPaths().values().forEach(item -> item.readOperations().forEach(operation -> {
			if (operation.getTags() != null) {
				usedTags.addAll(operation.getTags());
			}
		}));
		if (description.getTags() != null) {
			description.getTags().removeIf((Tag tag) -> !usedTags.contains(tag.getName()));
		}
	}

	@Override
	protected ClassLoaderTemplateResource getIndexTemplate() {
		return new ClassLoaderTemplateResource(CarnetOpenApi.class.getClassLoader(), PAGE_TEMPLATE,
				StandardCharsets.UTF_8.name());
	}

	@Override
	protected void populateOIDCVariables(ServletRequestDetails request, WebContext page) {
		// HAPI writes the page with the container's default charset (ISO-8859-1); the page says UTF-8.
		request.getServletResponse().setCharacterEncoding(StandardCharsets.UTF_8.name());
		String base = removeTrailingSlash(request.getFhirServerBase());
		page.setVariable("OAUTH2_REDIRECT_URL_PROPERTY", base + OAUTH2_REDIRECT_PATH);
		page.setVariable("FHIR_AUDIENCE", base);
		page.setVariable("TITLE", TITLE);
	}
}
