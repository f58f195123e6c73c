-- Carnet's access log: one row per AuditEvent (IHE BALP), appended and never changed. The columns the
-- patient's log is searched by are kept beside the resource itself (JSON). For PostgreSQL and H2.
CREATE TABLE IF NOT EXISTS carnet_audit_event (
    id varchar(64) NOT NULL PRIMARY KEY,
    recorded timestamp with time zone NOT NULL,
    patient_id varchar(100) DEFAULT NULL,
    agent varchar(200) DEFAULT NULL,
    action varchar(1) NOT NULL,
    outcome varchar(2) NOT NULL,
    access_mode varchar(20) NOT NULL,
    event varchar(1000000) NOT NULL
);
-- The patient's log, by period, newest first. (No other index: each one costs every access a write.)
CREATE INDEX IF NOT EXISTS carnet_audit_event_patient ON carnet_audit_event (patient_id, recorded);
