package org.carnetsante.export;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceOperationComponent;

/**
 * Makes {@code /fhir/metadata} say that Carnet serves FHIR Bulk Data export as the Bulk Data IG defines
 * it: the server instantiates the IG's {@code bulk-data} CapabilityStatement, and each {@code export}
 * operation HAPI lists (system, Patient, Group) points at the IG's OperationDefinition rather than at
 * one HAPI generates from the Java method. What Carnet does not serve of those definitions is in
 * docs/export.md (and each refusal names it).
 */
@Interceptor
public class BulkDataCapabilities {

	static final String BULK_DATA_IG = "http://hl7.org/fhir/uv/bulkdata";
	static final String BULK_DATA_SERVER = BULK_DATA_IG + "/CapabilityStatement/bulk-data";
	/** The IG's OperationDefinition for each level of {@code $export}: system ("") , Patient, Group. */
	static final Map<String, String> DEFINITIONS = Map.of(
			"", BULK_DATA_IG + "/OperationDefinition/export",
			"Patient", BULK_DATA_IG + "/OperationDefinition/patient-export",
			"Group", BULK_DATA_IG + "/OperationDefinition/group-export");

	@Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
	public void declareBulkData(IBaseConformance generated) {
		CapabilityStatement statement = (CapabilityStatement) generated;
		if (!statement.hasInstantiates(BULK_DATA_SERVER)) {
			statement.addInstantiates(BULK_DATA_SERVER);
		}
		for (CapabilityStatement.CapabilityStatementRestComponent rest : statement.getRest()) {
			pointAtTheIg(rest.getOperation(), DEFINITIONS.get(""));
			for (CapabilityStatement.CapabilityStatementRestResourceComponent resource : rest.getResource()) {
				String definition = DEFINITIONS.get(resource.getType());
				if (definition != null) {
					pointAtTheIg(resource.getOperation(), definition);
				}
			}
		}
	}

	private static void pointAtTheIg(Iterable<CapabilityStatementRestResourceOperationComponent> operations, String definition) {
		for (CapabilityStatementRestResourceOperationComponent operation : operations) {
			if ("export".equals(operation.getName())) {
				operation.setDefinition(definition);
			}
		}
	}
}
