package org.carnetsante.audit;

/**
 * A professional opened a patient's space in an emergency, and the access is in the log (published as a
 * Spring application event, for those who tell the patient).
 *
 * @param patientId the space opened
 * @param mode {@code bris_de_glace} or {@code centre_15} (TRE_R248)
 * @param who who opened it: their national id, else their token's subject
 */
public record EmergencyAccessRecorded(String patientId, String mode, String who) {}
