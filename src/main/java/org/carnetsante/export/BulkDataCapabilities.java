package org.carnetsante.export;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;

/**
 * Makes {@code /fhir/metadata} say that Carnet serves FHIR Bulk Data export: the server instantiates the
 * Bulk Data IG's {@code bulk-data} CapabilityStatement. The {@code export} operations themselves (system,
 * Patient, Group) keep the OperationDefinitions HAPI generates and serves: the OpenAPI description is
 * built by reading each one from this server, so they cannot point elsewhere. What Carnet does not serve
 * of the IG's definitions is in docs/export.md (and each refusal names it).
 */
@Interceptor
public class BulkDataCapabilities {

	static final String BULK_DATA_SERVER = "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data";

	@Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
	public void declareBulkData(IBaseConformance generated) {
		CapabilityStatement statement = (CapabilityStatement) generated;
		if (!statement.hasInstantiates(BULK_DATA_SERVER)) {
			statement.addInstantiates(BULK_DATA_SERVER);
		}
	}
}
