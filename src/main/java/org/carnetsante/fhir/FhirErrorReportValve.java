package org.carnetsante.fhir;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Requests the servlet container refuses before any application code runs (an encoded NUL or slash
 * in the path, a character not allowed in a URL, headers too large) are answered by Tomcat with an
 * HTML error page. On the FHIR endpoint they get an OperationOutcome like every other refusal, and so
 * do requests too broken to tell which endpoint they were for (a request line with a raw quote or
 * control character, or longer than the server reads).
 * Registered in the host's pipeline after Spring Boot's own error report valve, so it reports first;
 * elsewhere that valve answers as before.
 */
public class FhirErrorReportValve extends ErrorReportValve {

	@Override
	protected void report(Request request, Response response, Throwable throwable) {
		int status = response.getStatus();
		if (status < 400 || response.getContentWritten() > 0 || !onFhirEndpoint(request)
				|| !response.setErrorReported()) {
			return;
		}
		String diagnostics = "The request was refused by the web server before it reached FHIR (HTTP " + status
				+ "): check its URL and headers"
				+ (response.getMessage() == null || response.getMessage().isBlank() ? "" : " (" + response.getMessage() + ")");
		try {
			response.setContentType("application/fhir+json");
			response.setCharacterEncoding("UTF-8");
			Writer writer = response.getReporter();
			if (writer != null) {
				writer.write(OperationOutcomes.json(status >= 500 ? "exception" : "invalid", diagnostics));
			}
		} catch (IOException | IllegalStateException e) {
			// The connection is gone or the response committed: nothing more can be said.
		}
	}

	private static boolean onFhirEndpoint(Request request) {
		String uri = request.getCoyoteRequest().requestURI().toString();
		return uri == null || uri.isEmpty() || uri.equals(FhirServerConfig.FHIR_BASE_PATH)
				|| uri.startsWith(FhirServerConfig.FHIR_BASE_PATH + "/");
	}
}
