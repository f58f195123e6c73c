package org.carnetsante.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Parameters;

/**
 * Validation on write: a resource is stored only if it, and every resource embedded in it (contained
 * resources, Bundle entries), conforms to the profiles that apply; otherwise the write is refused
 * with 422 and the validator's OperationOutcome, whose issues name the failing elements.
 *
 * <p>The profiles that apply to a resource are the one {@code carnet.ig.required-profiles} sets for
 * its type (enforced even when the client does not declare it) plus any profile of Carnet's guide it
 * declares in {@code meta.profile}.
 *
 * <p>Runs on HAPI's pre-storage pointcuts, inside the database transaction, so every path that writes
 * (create, update, conditional operations, JSON and FHIRPath patch, transaction and batch entries,
 * {@code $meta-add}) is covered and a refusal leaves nothing behind. HAPI's own
 * {@code RepositoryValidatingInterceptor} answers 412 instead of the 422 FHIR prescribes for content
 * that breaks a profile, hence this small interceptor. The same profiles are added to what
 * {@code $validate} reports.
 */
@Interceptor
public class RequiredProfileValidator {

	private final FhirContext fhirContext;
	private final FhirValidator validator;
	/** Keyed case-insensitively: keys bound from environment variables arrive lower-cased. */
	private final Map<String, String> requiredProfiles = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

	private final CarnetImplementationGuide implementationGuide;

	public RequiredProfileValidator(
			FhirContext fhirContext,
			IValidatorModule instanceValidator,
			Map<String, String> requiredProfiles,
			CarnetImplementationGuide implementationGuide) {
		this.fhirContext = fhirContext;
		this.validator = fhirContext.newValidator().registerValidatorModule(instanceValidator);
		this.requiredProfiles.putAll(requiredProfiles);
		this.implementationGuide = implementationGuide;
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void beforeCreate(IBaseResource created) {
		requireConformance(created);
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void beforeUpdate(IBaseResource previous, IBaseResource updated) {
		requireConformance(updated);
	}

	/**
	 * Makes {@code $validate} predict what a write would do: its result also carries the findings
	 * against the profiles that apply on write, even when the client named none.
	 */
	@Hook(Pointcut.VALIDATION_COMPLETED)
	public ValidationResult addRequiredProfileFindings(
			IBaseResource parsedResource, String rawResource, ValidationResult result) {
		IBaseResource resource = resourceUnderValidation(parsedResource, rawResource);
		if (resource == null) {
			return null;
		}
		List<SingleValidationMessage> findings = findings(resource);
		if (findings.isEmpty()) {
			return null;
		}
		Map<String, SingleValidationMessage> merged = new LinkedHashMap<>();
		for (SingleValidationMessage message : result.getMessages()) {
			merged.putIfAbsent(identity(message), message);
		}
		for (SingleValidationMessage message : findings) {
			merged.putIfAbsent(identity(message), message);
		}
		return new ValidationResult(fhirContext, new ArrayList<>(merged.values()));
	}

	/** Validates the resource and what it embeds against their applicable profiles; 422 on any error. */
	public void requireConformance(IBaseResource resource) {
		List<SingleValidationMessage> findings = findings(resource);
		boolean failed = findings.stream().anyMatch(RequiredProfileValidator::isError);
		if (failed) {
			// Errors first, so the outcome (and the exception message HAPI derives from its first issue)
			// leads with what must be fixed rather than with informational notes.
			List<SingleValidationMessage> errorsFirst = new ArrayList<>(findings);
			errorsFirst.sort(Comparator.comparing(
					(SingleValidationMessage message) -> message.getSeverity().ordinal()).reversed());
			throw new UnprocessableEntityException(
					fhirContext, new ValidationResult(fhirContext, errorsFirst).toOperationOutcome());
		}
	}

	private List<SingleValidationMessage> findings(IBaseResource resource) {
		List<IBaseResource> subjects = new ArrayList<>();
		subjects.add(resource);
		if (mayEmbedResources(resource)) {
			subjects.addAll(fhirContext.newTerser().getAllEmbeddedResources(resource, true));
		}
		List<SingleValidationMessage> findings = new ArrayList<>();
		for (IBaseResource subject : subjects) {
			Set<String> profiles = applicableProfiles(subject);
			if (!profiles.isEmpty()) {
				findings.addAll(validate(subject, profiles).getMessages());
			}
		}
		return findings;
	}

	private ValidationResult validate(IBaseResource resource, Set<String> profiles) {
		ValidationOptions options = new ValidationOptions();
		profiles.forEach(options::addProfile);
		// The validator reads a resource's original JSON when HAPI kept it; a FHIRPath PATCH changes
		// the resource but not that text. Validating a fresh encoding sees what will be stored.
		String current = fhirContext.newJsonParser().encodeResourceToString(resource);
		try {
			return validator.validateWithResult(current, options);
		} catch (BaseServerResponseException e) {
			throw e;
		} catch (RuntimeException e) {
			throw new UnprocessableEntityException(
					"The " + fhirContext.getResourceType(resource) + " could not be validated: " + e.getMessage());
		}
	}

	Set<String> applicableProfiles(IBaseResource resource) {
		Set<String> profiles = new LinkedHashSet<>();
		String required = requiredProfiles.get(fhirContext.getResourceType(resource));
		if (required != null) {
			profiles.add(required);
		}
		for (IPrimitiveType<String> declared : resource.getMeta().getProfile()) {
			String canonical = declared.getValueAsString();
			if (canonical != null && implementationGuide.definesProfile(canonical)) {
				profiles.add(canonical);
			}
		}
		return profiles;
	}

	/**
	 * The resource {@code $validate} was asked about. HAPI hands the validator the raw body, which is
	 * either the resource itself or a Parameters whose {@code resource} part holds it.
	 */
	private IBaseResource resourceUnderValidation(IBaseResource parsedResource, String rawResource) {
		IBaseResource resource = parsedResource;
		if (resource == null && rawResource != null && !rawResource.isBlank()) {
			EncodingEnum encoding = EncodingEnum.detectEncodingNoDefault(rawResource);
			if (encoding == null) {
				return null;
			}
			resource = encoding.newParser(fhirContext).parseResource(rawResource);
		}
		if (resource instanceof Parameters parameters && parameters.getParameter("resource") != null) {
			return parameters.getParameter("resource").getResource();
		}
		return resource;
	}

	/** Cheap test that spares the full element walk for the usual resource, which embeds nothing. */
	private static boolean mayEmbedResources(IBaseResource resource) {
		return resource instanceof Bundle
				|| resource instanceof Parameters
				|| (resource instanceof DomainResource domain && domain.hasContained());
	}

	private static boolean isError(SingleValidationMessage message) {
		return message.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal();
	}

	private static String identity(SingleValidationMessage message) {
		return message.getSeverity() + "|" + message.getLocationString() + "|" + message.getMessage();
	}
}
