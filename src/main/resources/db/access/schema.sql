-- The rules of patients' spaces, derived from the FHIR resources that state them (Consent, CareTeam,
-- Patient.active) in the same transaction as those resources are written, so that the access policy
-- reads a space's rules in one indexed query. The FHIR resources stay the source of truth: this table
-- can be rebuilt from them. For PostgreSQL and H2 alike.
CREATE TABLE IF NOT EXISTS carnet_space_rule (
    source varchar(100) NOT NULL PRIMARY KEY,
    patient_id varchar(100) NOT NULL,
    rules varchar(100000) NOT NULL
);
CREATE INDEX IF NOT EXISTS carnet_space_rule_patient ON carnet_space_rule (patient_id);
-- Who made each search whose results are stored for paging: a page link serves its maker only (another
-- caller replaying it gets the answer of an unknown search). Rows outlive HAPI's stored results a little,
-- then are purged.
CREATE TABLE IF NOT EXISTS carnet_search_owner (
    search_id varchar(64) NOT NULL PRIMARY KEY,
    owner varchar(400) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS carnet_search_owner_created ON carnet_search_owner (created_at);
