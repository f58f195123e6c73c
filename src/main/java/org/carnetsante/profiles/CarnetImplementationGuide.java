package org.carnetsante.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.ClasspathUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.support.NpmPackageValidationSupport;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.utilities.npm.NpmPackage;

/**
 * Carnet's implementation guide as the server sees it: the FHIR package built from {@code ig/}
 * (profiles, examples), read once at start from the classpath. Nothing is fetched from the network.
 */
public final class CarnetImplementationGuide {

	private final FhirContext fhirContext;
	private final String packageLocation;
	private final NpmPackage npmPackage;

	private CarnetImplementationGuide(FhirContext fhirContext, String packageLocation, NpmPackage npmPackage) {
		this.fhirContext = fhirContext;
		this.packageLocation = packageLocation;
		this.npmPackage = npmPackage;
	}

	public static CarnetImplementationGuide load(FhirContext fhirContext, String packageLocation) {
		try (InputStream packageStream = ClasspathUtil.loadResourceAsStream(packageLocation)) {
			return new CarnetImplementationGuide(fhirContext, packageLocation, NpmPackage.fromPackage(packageStream));
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot read the implementation guide package " + packageLocation, e);
		}
	}

	public String packageId() {
		return npmPackage.name();
	}

	public String version() {
		return npmPackage.version();
	}

	/** Base canonical URL of every conformance resource in the guide. */
	public String canonical() {
		return npmPackage.canonical();
	}

	/** Canonical of the ImplementationGuide resource, as the CapabilityStatement cites it. */
	public String implementationGuideCanonical() {
		return canonical() + "/ImplementationGuide/" + packageId();
	}

	public boolean definesProfile(String profileCanonical) {
		return profileCanonical.startsWith(canonical() + "/StructureDefinition/");
	}

	/** The guide's conformance resources, ready to sit in a validation support chain. */
	public NpmPackageValidationSupport validationSupport() {
		NpmPackageValidationSupport support = new NpmPackageValidationSupport(fhirContext);
		try {
			support.loadPackageFromClasspath(packageLocation);
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot load the implementation guide package " + packageLocation, e);
		}
		return support;
	}

	/** The guide's search parameters (in the package's own folder): Carnet serves them. */
	public List<IBaseResource> searchParameters() {
		NpmPackage.NpmPackageFolder folder = npmPackage.getFolders().get("package");
		List<IBaseResource> parameters = new ArrayList<>();
		try {
			for (String file : folder.listFiles()) {
				if (file.startsWith("SearchParameter-") && file.endsWith(".json")) {
					parameters.add(fhirContext.newJsonParser().parseResource(new String(folder.fetchFile(file), StandardCharsets.UTF_8)));
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot read the search parameters of " + packageLocation, e);
		}
		return parameters;
	}

	/** The example instances shipped in the package's {@code example} folder. */
	public List<IBaseResource> examples() {
		NpmPackage.NpmPackageFolder folder = npmPackage.getFolders().get("example");
		List<IBaseResource> examples = new ArrayList<>();
		if (folder == null) {
			return examples;
		}
		try {
			for (String file : folder.listFiles()) {
				if (file.endsWith(".json")) {
					String json = new String(folder.fetchFile(file), StandardCharsets.UTF_8);
					examples.add(fhirContext.newJsonParser().parseResource(json));
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot read the examples of " + packageLocation, e);
		}
		return examples;
	}
}
