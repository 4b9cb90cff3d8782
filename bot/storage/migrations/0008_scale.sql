-- Running several processes on one database: a lease on every running job (a process that dies mid-job
-- leaves a lease that expires, and another run picks the job up with the same nonce), and counters other
-- processes read cheaply to notice a change (the settings version).

ALTER TABLE jobs ADD COLUMN lease_until REAL;
ALTER TABLE jobs ADD COLUMN lease_retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;  -- host:pid of the process that last claimed it

CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('config', 0);
