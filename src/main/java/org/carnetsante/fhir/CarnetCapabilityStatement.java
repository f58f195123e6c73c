package org.carnetsante.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.carnetsante.profiles.CarnetImplementationGuide;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;

/**
 * Makes {@code /fhir/metadata} say what vendors code against: Carnet, its version, and the canonical
 * of the implementation guide (the {@code ig/} package) it implements.
 */
@Interceptor
public class CarnetCapabilityStatement {

	static final String SOFTWARE_NAME = "Carnet";
	static final String DESCRIPTION =
			"Carnet: FHIR R4 server of the national patient health space (Mon espace santé role)";

	private final String softwareVersion;
	private final CarnetImplementationGuide implementationGuide;

	public CarnetCapabilityStatement(String softwareVersion, CarnetImplementationGuide implementationGuide) {
		this.softwareVersion = softwareVersion;
		this.implementationGuide = implementationGuide;
	}

	public String softwareVersion() {
		return softwareVersion;
	}

	@Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
	public void describeCarnet(IBaseConformance generated) {
		CapabilityStatement statement = (CapabilityStatement) generated;
		statement.setName("Carnet");
		statement.setTitle("Carnet FHIR server");
		statement.setPublisher("Carnet");
		statement.getSoftware().setName(SOFTWARE_NAME).setVersion(softwareVersion);
		statement.getImplementation().setDescription(DESCRIPTION);
		statement.getImplementationGuide().clear();
		statement.addImplementationGuide(implementationGuide.implementationGuideCanonical());
	}
}
