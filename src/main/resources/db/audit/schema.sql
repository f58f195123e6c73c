-- Carnet's access log: one row per access (an IHE BALP AuditEvent once read), appended and never
-- changed: the columns the patient's log is searched by, and the entry itself as JSON. For PostgreSQL
-- and H2.
CREATE TABLE IF NOT EXISTS carnet_audit_event (
    id varchar(64) NOT NULL PRIMARY KEY,
    recorded timestamp with time zone NOT NULL,
    patient_id varchar(100) DEFAULT NULL,
    agent varchar(200) DEFAULT NULL,
    outcome varchar(2) NOT NULL,
    access_mode varchar(20) NOT NULL,
    record varchar(1000000) NOT NULL
);
-- The patient's log, by period, newest first. (No other index: each one costs every access a write.)
CREATE INDEX IF NOT EXISTS carnet_audit_event_patient ON carnet_audit_event (patient_id, recorded);
