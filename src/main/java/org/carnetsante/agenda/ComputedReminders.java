package org.carnetsante.agenda;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.carnetsante.agenda.ReminderForecast.Forecast;
import org.carnetsante.agenda.ReminderForecast.RecordedDose;
import org.carnetsante.agenda.ReminderForecast.Screening;
import org.carnetsante.agenda.ReminderForecast.Vaccination;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.ImmunizationRecommendation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;

/**
 * Computes a space's reminders and stores them as FHIR resources Carnet owns, written as Carnet (no REST caller)
 * and marked with {@link #TAG_SYSTEM}: one {@code ImmunizationRecommendation} per space (one recommendation per
 * series: the next dose, or the series complete) and one {@code ServiceRequest} (intent {@code proposal}) per
 * screening programme the person is invited to now. Read like the rest of the space (the patient's side, and
 * professionals through the access policy); clients never write them ({@link ComputedReminderGuard}).
 */
public class ComputedReminders {

	/** Marks what Carnet computed: clients never create, change or delete it. */
	public static final String TAG_SYSTEM = "https://carnet.example/ig/CodeSystem/computed";
	public static final String TAG_CODE = "reminder";
	/** One identifier per computed resource: {@code vaccination/[patient]} or {@code screening/[patient]/[programme]}. */
	public static final String IDENTIFIER_SYSTEM = "https://carnet.example/ig/computed-reminder";
	public static final String SCREENING_SYSTEM = "https://carnet.example/ig/CodeSystem/screening-programme";
	static final String ATC = "http://www.whocc.no/atc";
	private static final String SNOMED = "http://snomed.info/sct";
	private static final String LOINC = "http://loinc.org";
	private static final String FORECAST_STATUS = "http://terminology.hl7.org/CodeSystem/immunization-recommendation-status";

	private final DaoRegistry daos;
	private final ReminderForecast forecaster;
	private final ReminderSchedules schedules;
	private final ZoneId zone;

	public ComputedReminders(DaoRegistry daos, ReminderForecast forecaster, ReminderSchedules schedules, ZoneId zone) {
		this.daos = daos;
		this.forecaster = forecaster;
		this.schedules = schedules;
		this.zone = zone;
	}

	/** Computes the space's forecast on {@code today} and stores it; a space gone, closed or deceased gets none. */
	public Forecast recompute(String patientId, LocalDate today) {
		Optional<Patient> patient = patient(patientId);
		Forecast forecast = patient.filter(ComputedReminders::remindable)
				.map(found -> forecaster.forecast(birthDate(found),
						found.hasGender() ? found.getGender().toCode() : null, doses(patientId), today))
				.orElse(new Forecast(List.of(), List.of(), Optional.empty()));
		storeVaccinations(patientId, forecast.vaccinations(), today);
		storeScreenings(patientId, forecast.screenings(), today);
		return forecast;
	}

	/** A space reminded: open (not explicitly inactive) and the person alive. */
	private static boolean remindable(Patient patient) {
		boolean deceased = patient.hasDeceasedBooleanType() ? patient.getDeceasedBooleanType().booleanValue() : patient.hasDeceasedDateTimeType();
		return (!patient.hasActive() || patient.getActive()) && !deceased;
	}

	/** The day of a date-time: as written for a date, in the reminders' zone for an instant. */
	private LocalDate dayOf(DateTimeType dateTime) {
		if (dateTime.getValue() == null) {
			return null;
		}
		if (dateTime.getPrecision().ordinal() <= ca.uhn.fhir.model.api.TemporalPrecisionEnum.DAY.ordinal()) {
			return LocalDate.of(dateTime.getYear(), dateTime.getMonth() + 1, dateTime.getDay());
		}
		return LocalDate.ofInstant(dateTime.getValue().toInstant(), zone);
	}

	/** The birth date as written (a date has no time zone to shift it by). */
	private static LocalDate birthDate(Patient patient) {
		org.hl7.fhir.r4.model.DateType birth = patient.getBirthDateElement();
		return birth.getValue() == null ? null : LocalDate.of(birth.getYear(), birth.getMonth() + 1, birth.getDay());
	}

	private Optional<Patient> patient(String patientId) {
		try {
			return Optional.of(daos.getResourceDao(Patient.class).read(new IdType("Patient", patientId), new SystemRequestDetails()));
		} catch (ResourceNotFoundException | ResourceGoneException e) {
			return Optional.empty();
		}
	}

	private List<RecordedDose> doses(String patientId) {
		SearchParameterMap search = SearchParameterMap.newSynchronous("patient", new ReferenceParam("Patient/" + patientId));
		List<RecordedDose> doses = new ArrayList<>();
		for (IBaseResource found : daos.getResourceDao(Immunization.class).search(search, new SystemRequestDetails()).getAllResources()) {
			Immunization immunization = (Immunization) found;
			if (immunization.getStatus() != Immunization.ImmunizationStatus.COMPLETED) {
				continue;
			}
			Set<String> atc = new HashSet<>();
			immunization.getVaccineCode().getCoding().stream().filter(coding -> ATC.equals(coding.getSystem()) && coding.hasCode())
					.forEach(coding -> atc.add(coding.getCode()));
			Set<String> diseases = new HashSet<>();
			immunization.getProtocolApplied().forEach(protocol -> protocol.getTargetDisease().forEach(disease ->
					disease.getCoding().stream().filter(coding -> coding.hasCode()).forEach(coding -> diseases.add(coding.getCode()))));
			LocalDate date = immunization.hasOccurrenceDateTimeType() ? dayOf(immunization.getOccurrenceDateTimeType()) : null;
			doses.add(new RecordedDose("Immunization/" + immunization.getIdElement().getIdPart(), date, atc, diseases));
		}
		return doses;
	}

	private void storeVaccinations(String patientId, List<Vaccination> vaccinations, LocalDate today) {
		IFhirResourceDao<ImmunizationRecommendation> dao = daos.getResourceDao(ImmunizationRecommendation.class);
		Map<String, ImmunizationRecommendation> stored = stored(dao, patientId, "patient");
		String identifier = "vaccination/" + patientId;
		ImmunizationRecommendation existing = stored.get(identifier);
		if (vaccinations.isEmpty()) {
			if (existing != null) {
				dao.delete(existing.getIdElement().toUnqualifiedVersionless(), new SystemRequestDetails());
			}
			return;
		}
		ImmunizationRecommendation recommendation = new ImmunizationRecommendation();
		marked(recommendation.getMeta().addTag());
		recommendation.addIdentifier().setSystem(IDENTIFIER_SYSTEM).setValue(identifier);
		recommendation.setPatient(new Reference("Patient/" + patientId));
		recommendation.setDateElement(new DateTimeType(today.toString()));
		recommendation.setAuthority(new Reference().setDisplay(schedules.vaccination().citation()));
		for (Vaccination vaccination : vaccinations) {
			ImmunizationRecommendation.ImmunizationRecommendationRecommendationComponent item = recommendation.addRecommendation();
			item.addVaccineCode().setText(vaccination.series().vaccine());
			CodeableConcept disease = new CodeableConcept().setText(vaccination.series().label());
			vaccination.series().diseases().forEach(code -> disease.addCoding(new Coding(SNOMED, code, null)));
			item.setTargetDisease(disease);
			item.setForecastStatus(new CodeableConcept(new Coding(FORECAST_STATUS, vaccination.status().name().toLowerCase(), null)));
			if (vaccination.due() != null) {
				item.addDateCriterion().setCode(new CodeableConcept(new Coding(LOINC, "30980-7", "Date vaccine due")))
						.setValueElement(new DateTimeType(vaccination.due().toString()));
				item.addDateCriterion().setCode(new CodeableConcept(new Coding(LOINC, "59778-1", "Date when overdue for immunization")))
						.setValueElement(new DateTimeType(vaccination.overdueFrom().toString()));
			}
			item.setDescription(vaccination.series().label());
			item.setSeries(vaccination.series().id());
			item.setDoseNumber(new PositiveIntType(vaccination.doseNumber()));
			if (vaccination.seriesDoses() != null) {
				item.setSeriesDoses(new PositiveIntType(vaccination.seriesDoses()));
			}
			vaccination.supportingImmunizations().forEach(immunization -> item.addSupportingImmunization(new Reference(immunization)));
		}
		store(dao, recommendation, existing);
	}

	private void storeScreenings(String patientId, List<Screening> screenings, LocalDate today) {
		IFhirResourceDao<ServiceRequest> dao = daos.getResourceDao(ServiceRequest.class);
		Map<String, ServiceRequest> stored = stored(dao, patientId, "subject");
		Set<String> wanted = new HashSet<>();
		for (Screening screening : screenings) {
			String identifier = "screening/" + patientId + "/" + screening.programme().code();
			wanted.add(identifier);
			ServiceRequest proposal = new ServiceRequest();
			marked(proposal.getMeta().addTag());
			proposal.addIdentifier().setSystem(IDENTIFIER_SYSTEM).setValue(identifier);
			proposal.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
			proposal.setIntent(ServiceRequest.ServiceRequestIntent.PROPOSAL);
			proposal.addCategory().setText("Dépistage organisé");
			proposal.setCode(new CodeableConcept(new Coding(SCREENING_SYSTEM, screening.programme().code(), screening.programme().label()))
					.setText(screening.programme().label()));
			proposal.setSubject(new Reference("Patient/" + patientId));
			Period when = new Period().setStartElement(new DateTimeType(screening.due().toString()));
			if (screening.nextRound() != null) {
				when.setEndElement(new DateTimeType(screening.nextRound().minusDays(1).toString()));
			}
			proposal.setOccurrence(when);
			proposal.setAuthoredOnElement(new DateTimeType(today.toString()));
			proposal.addNote().setText(schedules.screening().citation());
			store(dao, proposal, stored.get(identifier));
		}
		stored.forEach((identifier, resource) -> {
			if (!wanted.contains(identifier)) {
				dao.delete(resource.getIdElement().toUnqualifiedVersionless(), new SystemRequestDetails());
			}
		});
	}

	private static void marked(Coding tag) {
		tag.setSystem(TAG_SYSTEM).setCode(TAG_CODE).setDisplay("Calculé par Carnet");
	}

	/** Carnet's computed resources of this type in the space, by identifier. */
	@SuppressWarnings("unchecked")
	private static <T extends IBaseResource> Map<String, T> stored(IFhirResourceDao<T> dao, String patientId, String patientParameter) {
		SearchParameterMap search = SearchParameterMap.newSynchronous(patientParameter, new ReferenceParam("Patient/" + patientId));
		search.add("_tag", new TokenParam(TAG_SYSTEM, TAG_CODE));
		Map<String, T> byIdentifier = new HashMap<>();
		for (IBaseResource found : dao.search(search, new SystemRequestDetails()).getAllResources()) {
			List<Identifier> identifiers = found instanceof ImmunizationRecommendation recommendation
					? recommendation.getIdentifier() : ((ServiceRequest) found).getIdentifier();
			identifiers.stream().filter(identifier -> IDENTIFIER_SYSTEM.equals(identifier.getSystem())).findFirst()
					.ifPresent(identifier -> byIdentifier.put(identifier.getValue(), (T) found));
		}
		return byIdentifier;
	}

	/**
	 * Creates it, or updates the stored one — unless only the day it was computed differs: a recomputation that
	 * changes nothing makes no new version (nor a notification to subscribers).
	 */
	private static <T extends DomainResource> void store(IFhirResourceDao<T> dao, T resource, T existing) {
		if (existing == null) {
			dao.create(resource, new SystemRequestDetails());
			return;
		}
		if (sameButTheDay(resource, existing)) {
			return;
		}
		resource.setId(existing.getIdElement().toUnqualifiedVersionless());
		dao.update(resource, new SystemRequestDetails());
	}

	private static boolean sameButTheDay(DomainResource computed, DomainResource stored) {
		DomainResource a = computed.copy();
		DomainResource b = stored.copy();
		for (DomainResource each : List.of(a, b)) {
			each.setId((String) null);
			each.setMeta(null);
			each.setText(null);
			if (each instanceof ImmunizationRecommendation recommendation) {
				recommendation.setDateElement(null);
			}
			if (each instanceof ServiceRequest request) {
				request.setAuthoredOnElement(null);
			}
		}
		return a.equalsDeep(b);
	}
}
