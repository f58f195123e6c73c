-- The uniqueId (DocumentReference.masterIdentifier) of every document stored: the primary key makes a
-- second document with the same uniqueId fail in its own transaction, on every node at once (XDS never
-- reuses a uniqueId, even after deletion). Written in the transaction that stores the document.
-- For PostgreSQL and H2 alike.
CREATE TABLE IF NOT EXISTS carnet_document_unique_id (
    unique_id varchar(600) NOT NULL PRIMARY KEY,
    document_id varchar(100) NOT NULL
);
-- The Binary each stored document points at: a Binary belongs to one document only (nobody links another
-- document's bytes, even a deleted one's, to a document of their own).
CREATE TABLE IF NOT EXISTS carnet_document_binary (
    binary_id varchar(100) NOT NULL PRIMARY KEY,
    document_id varchar(100) NOT NULL
);
-- The uniqueIds claimed in each space (replaces carnet_document_unique_id, whose claims were global: a
-- 409 for a uniqueId used in another space told that space's document existed). A uniqueId is stored once
-- per space; the rows of the global table are moved here once (migration "document-unique-ids-per-space").
CREATE TABLE IF NOT EXISTS carnet_document_unique_id_in_space (
    patient_id varchar(100) NOT NULL,
    unique_id varchar(600) NOT NULL,
    document_id varchar(100) NOT NULL,
    PRIMARY KEY (patient_id, unique_id)
);
