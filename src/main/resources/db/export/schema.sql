-- Bulk Data exports ($export): each job's state, so that any node answers its status, serves its files
-- and cancels it, and a job whose node died is taken over by another. For PostgreSQL and H2 alike.
CREATE TABLE IF NOT EXISTS carnet_export_job (
    id varchar(64) NOT NULL PRIMARY KEY,
    -- who kicked it off: only this client, with this subject, sees it
    client_id varchar(200) NOT NULL,
    subject varchar(400) NOT NULL,
    -- the caller captured at kick-off (JSON): the access policy judges every resource for it
    caller varchar(20000) NOT NULL,
    -- the parsed request (JSON) and the URL as sent
    request varchar(100000) NOT NULL,
    request_url varchar(8000) NOT NULL,
    state varchar(16) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    -- the node running it, and when it last said it was alive
    node varchar(200),
    heartbeat_at timestamp with time zone,
    attempts integer NOT NULL DEFAULT 0,
    spaces_total integer NOT NULL DEFAULT 0,
    spaces_done integer NOT NULL DEFAULT 0,
    resources_written bigint NOT NULL DEFAULT 0,
    transaction_time timestamp with time zone,
    finished_at timestamp with time zone,
    expires_at timestamp with time zone,
    failure varchar(2000)
);
CREATE INDEX IF NOT EXISTS carnet_export_job_state ON carnet_export_job (state, created_at);
CREATE INDEX IF NOT EXISTS carnet_export_job_client ON carnet_export_job (client_id, state);
-- The files of a job: one row per file (type, output/error/deleted), its bytes in chunks below.
CREATE TABLE IF NOT EXISTS carnet_export_file (
    job_id varchar(64) NOT NULL,
    file_no integer NOT NULL,
    kind varchar(16) NOT NULL,
    resource_type varchar(64) NOT NULL,
    resource_count bigint NOT NULL,
    byte_count bigint NOT NULL,
    PRIMARY KEY (job_id, file_no)
);
CREATE TABLE IF NOT EXISTS carnet_export_chunk (
    job_id varchar(64) NOT NULL,
    file_no integer NOT NULL,
    chunk_no integer NOT NULL,
    content bytea NOT NULL,
    PRIMARY KEY (job_id, file_no, chunk_no)
);
