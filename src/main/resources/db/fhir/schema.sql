-- One-off data migrations Carnet runs at start, once per cluster (every node shares this table): a row is a
-- migration some node started; finished_at tells it is done. For PostgreSQL and H2 alike.
CREATE TABLE IF NOT EXISTS carnet_migration (
    name varchar(100) NOT NULL PRIMARY KEY,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone DEFAULT NULL
);
-- Jobs that run on one node of the cluster at a time (ClusterLease): the node that holds a job's row until
-- held_until runs it and renews it; when that node dies, the lease runs out and another node takes it.
CREATE TABLE IF NOT EXISTS carnet_cluster_lease (
    name varchar(100) NOT NULL PRIMARY KEY,
    holder varchar(100) NOT NULL,
    held_until timestamp with time zone NOT NULL
);
