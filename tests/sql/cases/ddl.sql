-- CREATE / DROP TABLE and INDEX, IF [NOT] EXISTS, and their errors: 42P07 exists, 42P01 no
-- such table, 42704 no such index, 2BP01 something depends on it.
CREATE TABLE t (id BIGINT PRIMARY KEY, k TEXT, n BIGINT);
CREATE TABLE t (x BIGINT);
CREATE TABLE IF NOT EXISTS t (x BIGINT);
CREATE TABLE T (x BIGINT);
CREATE TABLE "T" (x BIGINT);
INSERT INTO "T" VALUES (1);
SELECT x FROM "T";
SELECT x FROM t;
DROP TABLE "T";
SELECT * FROM "T";

INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20), (3, 'a', 30), (4, NULL, NULL);
-- An index over existing rows; a name clash with a table or another index is 42P07.
CREATE INDEX t_k ON t (k);
CREATE INDEX t_k ON t (n);
CREATE INDEX t ON t (n);
CREATE INDEX IF NOT EXISTS t_k ON t (n);
CREATE INDEX ON t (n);
CREATE INDEX ON t (n);
-- Generated names are <table>_<column>_idx, then with a number.
DROP INDEX t_n_idx1;
DROP INDEX t_n_idx;
DROP INDEX t_n_idx2;
CREATE INDEX t_kn ON t (k, n);
SELECT id FROM t WHERE k = 'a' ORDER BY id;
SELECT id FROM t WHERE n = 20;
SELECT id FROM t WHERE k = 'a' AND n = 30;
-- A table name clashes with an index name as well.
CREATE TABLE t_k (x BIGINT);

-- A UNIQUE index cannot be built over duplicates, and then enforces uniqueness.
CREATE UNIQUE INDEX t_k_u ON t (k);
CREATE UNIQUE INDEX t_n_u ON t (n);
INSERT INTO t VALUES (5, 'c', 20);
INSERT INTO t VALUES (5, 'c', NULL), (6, 'd', NULL);
DROP INDEX t_n_u;
INSERT INTO t VALUES (7, 'e', 20);
SELECT id FROM t WHERE n = 20 ORDER BY id;

-- Errors naming objects that are not there.
CREATE INDEX bad ON nosuch (x);
CREATE INDEX bad ON t (nosuch);
DROP INDEX nosuch;
DROP INDEX IF EXISTS nosuch;
DROP TABLE nosuch;
DROP TABLE IF EXISTS nosuch;
DROP TABLE t_k;
DROP INDEX t;
SELECT nosuch FROM t;
INSERT INTO t (id, nosuch) VALUES (1, 2);
INSERT INTO nosuch VALUES (1);
UPDATE t SET nosuch = 1;
DELETE FROM nosuch;
-- The implicit indexes of PRIMARY KEY and UNIQUE belong to their constraint.
DROP INDEX t_pkey;

-- Dropping an index leaves the data; dropping the table takes its indexes along.
DROP INDEX t_k;
SELECT count(*) FROM t WHERE k = 'a';
DROP TABLE t;
DROP INDEX t_kn;
CREATE TABLE t (id BIGINT PRIMARY KEY);
CREATE INDEX t_kn ON t (id);
SELECT count(*) FROM t;

-- Identifiers: case folding, quoting, reserved words.
CREATE TABLE "Mixed Case" ("Select" BIGINT, plain BIGINT);
INSERT INTO "Mixed Case" VALUES (1, 2);
SELECT "Select", PLAIN, "plain" FROM "Mixed Case";
CREATE TABLE user (id BIGINT);
CREATE TABLE "user" (id BIGINT);
DROP TABLE "user";
DROP TABLE "Mixed Case";
-- Type names acidb does not know are 42704 (NUMERIC exists in PostgreSQL: a documented gap).
CREATE TABLE money_t (m NUMERIC); -- differs from PostgreSQL: outside acidb's subset
CREATE TABLE wide (a INT, b INT4, c INT8, d SMALLINT, e VARCHAR(10), f CHARACTER VARYING(3), g BOOL);
INSERT INTO wide VALUES (1, 2, 3, 4, 'e', 'f', true);
SELECT a, b, c, d, e, f, g FROM wide;
-- A VARCHAR(n) length is enforced.
INSERT INTO wide (f) VALUES ('four');
INSERT INTO wide (e) VALUES ('ten chars!');
UPDATE wide SET f = f || 'xyz';
SELECT count(*) FROM wide;
