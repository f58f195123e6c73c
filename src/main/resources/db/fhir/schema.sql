-- One-off data migrations Carnet runs at start, once per cluster (every node shares this table): a row is a
-- migration some node started; finished_at tells it is done. For PostgreSQL and H2 alike.
CREATE TABLE IF NOT EXISTS carnet_migration (
    name varchar(100) NOT NULL PRIMARY KEY,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone DEFAULT NULL
);
