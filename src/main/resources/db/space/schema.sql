-- One INS, one space: the INS (system|value) of every stored Patient, claimed in the transaction that
-- stores it, so a second Patient with an INS already in use fails (on any node: the primary key decides).
-- For PostgreSQL and H2 alike.
CREATE TABLE IF NOT EXISTS carnet_space_ins (
    ins varchar(300) NOT NULL PRIMARY KEY,
    patient_id varchar(100) NOT NULL
);
CREATE INDEX IF NOT EXISTS carnet_space_ins_patient ON carnet_space_ins (patient_id);
