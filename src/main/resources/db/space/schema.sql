-- One INS, one space: the INS (system|value) of every stored Patient, claimed in the transaction that
-- stores it, so a second Patient with an INS already in use fails (on any node: the primary key decides).
-- For PostgreSQL and H2 alike.
CREATE TABLE IF NOT EXISTS carnet_space_ins (
    ins varchar(300) NOT NULL PRIMARY KEY,
    patient_id varchar(100) NOT NULL
);
CREATE INDEX IF NOT EXISTS carnet_space_ins_patient ON carnet_space_ins (patient_id);
-- The insured registry and each person's place in the space lifecycle (design.md §3, docs/space.md):
-- NOTIFIED (information notice sent, no space yet), OPPOSED, OPEN (a Patient exists: patient_id),
-- CLOSED (the Patient kept, inactive, until purge_after). One row per INS (system|value); a space
-- opened outside the registry (a Patient created by a professional) gets its row on its first
-- transition, keyed by its INS or, without one, by "Patient/<id>".
CREATE TABLE IF NOT EXISTS carnet_space_registry (
    ins varchar(300) NOT NULL PRIMARY KEY,
    content_hash varchar(64),
    family varchar(200),
    given varchar(200),
    birth_date date,
    sex varchar(10),
    email varchar(320),
    postal_address varchar(500),
    representatives varchar(1000),
    state varchar(10) NOT NULL,
    state_since timestamp NOT NULL,
    patient_id varchar(100),
    code_hash varchar(64),
    opposition_deadline timestamp,
    failed_codes integer DEFAULT 0 NOT NULL,
    codes_locked_until timestamp,
    patient_stale boolean DEFAULT false NOT NULL,
    purge_after timestamp
);
-- The provisioning run and line that last wrote the row: the same file run again (or resumed) does not
-- apply a line older than the one of it that already had its say (re-running a file changes nothing).
ALTER TABLE carnet_space_registry ADD COLUMN IF NOT EXISTS last_run varchar(64);
ALTER TABLE carnet_space_registry ADD COLUMN IF NOT EXISTS last_line bigint;
-- When a closed space's content was last deleted (at the person's request or at the end of its retention).
ALTER TABLE carnet_space_registry ADD COLUMN IF NOT EXISTS content_deleted_at timestamp;
-- The opening job reads the deadlines passed along this index, whatever the registry's size.
CREATE INDEX IF NOT EXISTS carnet_space_registry_due ON carnet_space_registry (state, opposition_deadline);
CREATE INDEX IF NOT EXISTS carnet_space_registry_patient ON carnet_space_registry (patient_id);
-- Closed spaces whose content is due to go.
CREATE INDEX IF NOT EXISTS carnet_space_registry_purge ON carnet_space_registry (state, purge_after);
-- Who comes of age today (a daily pass).
CREATE INDEX IF NOT EXISTS carnet_space_registry_birth ON carnet_space_registry (birth_date);
-- A provisioning run, keyed by the SHA-256 of its file: how far it got (lines committed), so that a run
-- interrupted resumes after its last committed batch and a finished file run again changes nothing.
CREATE TABLE IF NOT EXISTS carnet_provisioning_run (
    run_key varchar(64) NOT NULL PRIMARY KEY,
    source varchar(500),
    lines_done bigint DEFAULT 0 NOT NULL,
    created bigint DEFAULT 0 NOT NULL,
    updated bigint DEFAULT 0 NOT NULL,
    unchanged bigint DEFAULT 0 NOT NULL,
    rejected bigint DEFAULT 0 NOT NULL,
    started timestamp NOT NULL,
    finished timestamp,
    failure varchar(1000),
    -- Renewed at every commit: a run whose heartbeat is recent is being worked on (by some node).
    heartbeat timestamp
);
-- The lines a run skipped, and why (the line's number in the file, from 1).
CREATE TABLE IF NOT EXISTS carnet_provisioning_rejection (
    run_key varchar(64) NOT NULL,
    line bigint NOT NULL,
    reason varchar(500) NOT NULL,
    PRIMARY KEY (run_key, line)
);
-- Invitations to a space (docs/space.md): a delegate invited by the holder, a second legal representative
-- invited by the first. PENDING until the invitee answers with the code (ACCEPTED, REFUSED), or expires_at
-- passes (EXPIRED, as read); an accepted delegation ended by the holder is REVOKED.
CREATE TABLE IF NOT EXISTS carnet_space_invitation (
    id varchar(36) NOT NULL PRIMARY KEY,
    patient_id varchar(100) NOT NULL,
    kind varchar(30) NOT NULL,
    invitee_email varchar(320) NOT NULL,
    invitee_name varchar(200) NOT NULL,
    code_hash varchar(64) NOT NULL,
    reply_right boolean DEFAULT false NOT NULL,
    period_end timestamp,
    state varchar(10) NOT NULL,
    created_at timestamp NOT NULL,
    expires_at timestamp NOT NULL,
    failed_codes integer DEFAULT 0 NOT NULL,
    answered_at timestamp,
    answered_by varchar(200),
    consent_id varchar(100),
    related_person_id varchar(100)
);
CREATE INDEX IF NOT EXISTS carnet_space_invitation_patient ON carnet_space_invitation (patient_id);
-- A delegate may manage the space's settings that are not consents (its notification preferences).
ALTER TABLE carnet_space_invitation ADD COLUMN IF NOT EXISTS settings_right boolean DEFAULT false NOT NULL;
