package org.carnetsante.profiles;

import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.validation.IValidationContext;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.common.hapi.validation.validator.WorkerContextValidationSupportAdapter;
import org.hl7.fhir.r5.elementmodel.Manager.FhirFormat;
import org.hl7.fhir.r5.model.StructureDefinition;
import org.hl7.fhir.r5.utils.validation.ValidatorSession;
import org.hl7.fhir.r5.utils.validation.constants.IdStatus;
import org.hl7.fhir.r5.utils.xver.XVerExtensionManagerOld;
import org.hl7.fhir.utilities.i18n.I18nConstants;
import org.hl7.fhir.utilities.validation.ValidationMessage;
import org.hl7.fhir.utilities.validation.ValidationMessage.IssueSeverity;
import org.hl7.fhir.validation.ValidatorSettings;
import org.hl7.fhir.validation.instance.InstanceValidator;

/**
 * HAPI's instance validator module with one difference: the core validator it drives (the HL7
 * {@link InstanceValidator}) is reused for several validations instead of being built for each one.
 *
 * <p>Why: building an {@code InstanceValidator} parses the whole OID registry shipped with the HL7
 * libraries ({@code oidregistry.csv}, 1.5 MB) every time; HAPI builds one per validation, so a pushed
 * document spent about a quarter of its CPU time on that file (see {@code bench/README.md}).
 *
 * <p>Why reuse is safe: the validator clears its per-resource state (resources fetched while
 * validating, per-element trackers, pending messages) when each validation starts, and one validator
 * serves one thread at a time (borrowed from a pool, given back after). It still keeps a few things
 * from one validation to the next: profile lookups (Carnet's profiles do not change while running), the
 * status warnings it already gave about a profile (given once per validator), and lists that grow with
 * use (codings seen, narrative elements). A validator is therefore retired after
 * {@code carnet.ig.validator-reuse} validations, which bounds both that memory and how long a
 * validated resource stays referenced.
 *
 * <p>Only JSON input takes this path (validation on write encodes JSON); anything else goes to HAPI's
 * own module unchanged. The settings, the profiles considered (those asked for and those the resource
 * declares) and the filtering of the findings are HAPI's, so the findings are the same.
 */
public class ReusingInstanceValidator extends FhirInstanceValidator {

	private final int validationsPerValidator;
	private final BlockingQueue<PooledValidator> idle;

	/**
	 * @param settingsFrom HAPI's configured module, whose validation support and settings are taken over
	 * @param validationsPerValidator validations a core validator serves before it is rebuilt (1: as HAPI)
	 * @param idleValidators core validators kept between validations
	 */
	public ReusingInstanceValidator(
			FhirInstanceValidator settingsFrom, int validationsPerValidator, int idleValidators) {
		super(settingsFrom.getValidationSupport());
		if (validationsPerValidator < 1 || idleValidators < 1) {
			throw new IllegalArgumentException("carnet.ig.validator-reuse and carnet.ig.validator-pool must be at least 1");
		}
		this.validationsPerValidator = validationsPerValidator;
		this.idle = new ArrayBlockingQueue<>(idleValidators);
		setAnyExtensionsAllowed(settingsFrom.isAnyExtensionsAllowed());
		if (settingsFrom.getBestPracticeWarningLevel() != null) { // null: the core validator's default
			setBestPracticeWarningLevel(settingsFrom.getBestPracticeWarningLevel());
		}
		setErrorForUnknownProfiles(settingsFrom.isErrorForUnknownProfiles());
		setCustomExtensionDomains(settingsFrom.getExtensionDomains());
		setValidatorPolicyAdvisor(settingsFrom.getValidatorPolicyAdvisor());
		setNoTerminologyChecks(settingsFrom.isNoTerminologyChecks());
		setNoExtensibleWarnings(settingsFrom.isNoExtensibleWarnings());
		setNoBindingMsgSuppressed(settingsFrom.isNoBindingMsgSuppressed());
		setValidatorResourceFetcher(settingsFrom.getValidatorResourceFetcher());
		setAssumeValidRestReferences(settingsFrom.isAssumeValidRestReferences());
		setAllowExamples(settingsFrom.isAllowExamples());
		setHostApplicationServices(settingsFrom.getHostApplicationServices());
	}

	@Override
	protected List<ValidationMessage> validate(IValidationContext<?> context) {
		if (context.getResourceAsStringEncoding() != EncodingEnum.JSON) {
			return super.validate(context);
		}
		WorkerContextValidationSupportAdapter workerContext = provideWorkerContext();
		PooledValidator pooled = borrow(workerContext);
		try {
			return validateJson(pooled.validator, workerContext, context);
		} finally {
			giveBack(pooled);
		}
	}

	private List<ValidationMessage> validateJson(
			InstanceValidator validator,
			WorkerContextValidationSupportAdapter workerContext,
			IValidationContext<?> context) {
		String json = context.getResourceAsString();
		Set<String> profileUrls = new LinkedHashSet<>(context.getOptions().getProfiles());
		profileUrls.addAll(declaredProfiles(json));
		List<StructureDefinition> profiles = new ArrayList<>();
		List<ValidationMessage> unknownProfiles = new ArrayList<>();
		for (String url : profileUrls) {
			StructureDefinition profile = workerContext.fetchResource(StructureDefinition.class, url);
			if (profile != null) {
				profiles.add(profile);
			} else {
				ValidationMessage unknown = new ValidationMessage();
				unknown.setMessageId(I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN);
				unknown.setLevel(IssueSeverity.ERROR);
				unknown.setMessage("Invalid profile. Failed to retrieve profile with url=" + url);
				unknownProfiles.add(unknown);
			}
		}
		List<ValidationMessage> messages = new ArrayList<>();
		validator.validate(
				context.getOptions().getAppContext(),
				messages,
				new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
				FhirFormat.JSON,
				profiles);
		if (profiles.isEmpty()) {
			messages.addAll(unknownProfiles);
		}
		// As HAPI's module: no finding for bindings without a value set source, nor for the MIME type
		// value set it cannot expand; an unknown profile is an error only if configured so.
		List<ValidationMessage> kept = new ArrayList<>();
		for (ValidationMessage message : messages) {
			String id = message.getMessageId();
			if (I18nConstants.TERMINOLOGY_TX_BINDING_NOSOURCE.equals(id)
					|| (I18nConstants.TERMINOLOGY_TX_VALUESET_NOTFOUND.equals(id)
							&& message.getMessage().contains("http://hl7.org/fhir/ValueSet/mimetypes"))) {
				continue;
			}
			if (I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN.equals(id)
					|| I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN_NOT_POLICY.equals(id)) {
				message.setLevel(isErrorForUnknownProfiles() ? IssueSeverity.ERROR : IssueSeverity.WARNING);
			}
			kept.add(message);
		}
		return kept;
	}

	/** The profiles the resource names in {@code meta.profile}. */
	private static List<String> declaredProfiles(String json) {
		List<String> declared = new ArrayList<>();
		JsonElement root = JsonParser.parseString(json);
		if (root.isJsonObject() && root.getAsJsonObject().get("meta") instanceof JsonObject meta
				&& meta.get("profile") instanceof JsonArray profiles) {
			profiles.forEach(profile -> declared.add(profile.getAsString()));
		}
		return declared;
	}

	private PooledValidator borrow(WorkerContextValidationSupportAdapter workerContext) {
		PooledValidator pooled;
		while ((pooled = idle.poll()) != null) {
			if (pooled.workerContext == workerContext) {
				return pooled;
			}
			// Built on a worker context since replaced (validation support changed): dropped.
		}
		return new PooledValidator(newValidator(workerContext), workerContext);
	}

	private void giveBack(PooledValidator pooled) {
		pooled.validations++;
		if (pooled.validations < validationsPerValidator) {
			idle.offer(pooled); // dropped when the pool is full
		}
	}

	/** A core validator set up as HAPI sets up the one it builds for each validation. */
	private InstanceValidator newValidator(WorkerContextValidationSupportAdapter workerContext) {
		InstanceValidator validator = new InstanceValidator(
				workerContext,
				Objects.requireNonNullElseGet(getHostApplicationServices(), NullEvaluationContext::new),
				new XVerExtensionManagerOld(workerContext),
				new ValidatorSession(),
				new ValidatorSettings());
		validator.setAssumeValidRestReferences(isAssumeValidRestReferences());
		validator.setBestPracticeWarningLevel(getBestPracticeWarningLevel());
		validator.setAnyExtensionsAllowed(isAnyExtensionsAllowed());
		validator.setResourceIdRule(IdStatus.OPTIONAL);
		validator.setNoTerminologyChecks(isNoTerminologyChecks());
		validator.setErrorForUnknownProfiles(isErrorForUnknownProfiles());
		validator.setUnknownCodeSystemsCauseErrors(true);
		validator.getExtensionDomains().addAll(getExtensionDomains());
		validator.setFetcher(getValidatorResourceFetcher());
		validator.setPolicyAdvisor(getValidatorPolicyAdvisor());
		validator.setNoExtensibleWarnings(isNoExtensibleWarnings());
		validator.setNoBindingMsgSuppressed(isNoBindingMsgSuppressed());
		validator.setAllowExamples(isAllowExamples());
		validator.setAllowXsiLocation(true);
		return validator;
	}

	/** A core validator, the worker context it was built on, and how many validations it has served. */
	private static final class PooledValidator {
		final InstanceValidator validator;
		final WorkerContextValidationSupportAdapter workerContext;
		int validations;

		PooledValidator(InstanceValidator validator, WorkerContextValidationSupportAdapter workerContext) {
			this.validator = validator;
			this.workerContext = workerContext;
		}
	}
}
