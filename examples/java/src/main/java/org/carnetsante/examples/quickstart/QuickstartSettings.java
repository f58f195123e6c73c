package org.carnetsante.examples.quickstart;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the quickstart needs to know, from its arguments first and then from the environment, with the
 * demo server's values as defaults: {@code java -jar carnet-quickstart.jar [server URL] [key file] [patient INS]}.
 *
 * @param serverUrl   the server's base URL ({@code http://localhost:8080}); the FHIR base is {@code <serverUrl>/fhir}
 * @param keyFile     the client's private key, PKCS#8 PEM (RSA for RS384, EC P-384 for ES384)
 * @param patientIns  the patient's INS as {@code system|value}: documents are pushed to the space it names
 * @param clientId    the client id Carnet registered for this system (with its public JWKS)
 * @param keyId       the {@code kid} of the key in that JWKS
 * @param scope       the scopes asked for: one the client is registered with (Carnet grants no narrower one)
 * @param authorIdNat the national id (idNat) of the organization declared as the documents' author
 */
record QuickstartSettings(URI serverUrl, Path keyFile, String patientIns, String clientId, String keyId,
		String scope, String authorIdNat) {

	/** Marie Dupont, the demo server's patient (demo INS system 1.2.250.1.213.1.4.11). */
	static final String DEMO_PATIENT_INS = "urn:oid:1.2.250.1.213.1.4.11|279035121518989";

	static QuickstartSettings from(String[] args, Map<String, String> env) {
		String server = arg(args, 0, env, "CARNET_URL", "http://localhost:8080");
		// Accept the FHIR base too: the token endpoint is found from it, so both work.
		server = server.replaceAll("/+$", "").replaceAll("/fhir$", "");
		return new QuickstartSettings(
				URI.create(server),
				Path.of(arg(args, 1, env, "CARNET_KEY_FILE", "demo/hospital-private-key.pem")),
				arg(args, 2, env, "CARNET_PATIENT_INS", DEMO_PATIENT_INS),
				env.getOrDefault("CARNET_CLIENT_ID", "demo-hospital"),
				env.getOrDefault("CARNET_KEY_ID", "demo-hospital-2026"),
				env.getOrDefault("CARNET_SCOPE", "system/*.cruds"),
				env.getOrDefault("CARNET_AUTHOR_IDNAT", "1750000000"));
	}

	URI fhirBase() {
		return URI.create(serverUrl + "/fhir");
	}

	String patientSystem() {
		return patientIns.substring(0, patientIns.indexOf('|'));
	}

	String patientValue() {
		return patientIns.substring(patientIns.indexOf('|') + 1);
	}

	private static String arg(String[] args, int index, Map<String, String> env, String variable, String fallback) {
		if (args.length > index && !args[index].isBlank()) {
			return args[index];
		}
		return env.getOrDefault(variable, fallback);
	}
}
