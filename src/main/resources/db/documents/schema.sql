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
