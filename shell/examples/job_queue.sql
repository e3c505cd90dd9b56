-- A job queue with SKIP LOCKED: two workers each take the oldest job nobody else holds,
-- without waiting for each other.
.mode table
CREATE TABLE jobs (id INTEGER PRIMARY KEY, task TEXT NOT NULL, done BOOLEAN NOT NULL DEFAULT false);
INSERT INTO jobs (id, task) VALUES (1, 'send receipt'), (2, 'update ledger'), (3, 'notify bank');
.session A
BEGIN;
SELECT id, task FROM jobs WHERE NOT done ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
.session B
BEGIN;
SELECT id, task FROM jobs WHERE NOT done ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
UPDATE jobs SET done = true WHERE id = 2;
COMMIT;
.session A
UPDATE jobs SET done = true WHERE id = 1;
COMMIT;
SELECT id, task, done FROM jobs ORDER BY id;
DROP TABLE jobs;
