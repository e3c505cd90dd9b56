-- Transaction blocks: BEGIN / COMMIT / ROLLBACK, statement atomicity inside a block, the failed
-- block (25P02) until ROLLBACK, COMMIT of a failed block answering ROLLBACK, and DDL that is
-- undone with the block.
CREATE TABLE acct (id BIGINT PRIMARY KEY, owner TEXT UNIQUE, bal BIGINT CHECK (bal >= 0));
INSERT INTO acct VALUES (1, 'ann', 100), (2, 'bo', 50);

-- Committed work stays; rolled-back work disappears.
BEGIN;
UPDATE acct SET bal = bal + 10 WHERE id = 1;
COMMIT;
START TRANSACTION;
UPDATE acct SET bal = 0;
INSERT INTO acct VALUES (3, 'cy', 1);
SELECT id, bal FROM acct ORDER BY id;
ROLLBACK;
SELECT id, bal FROM acct ORDER BY id;

-- A failed statement in a block fails the block: everything after is 25P02 until the end.
BEGIN;
UPDATE acct SET bal = bal - 5 WHERE id = 2;
UPDATE acct SET bal = bal - 500 WHERE id = 2;
SELECT 1;
UPDATE acct SET bal = 0;
SELECT nosuch FROM acct;
COMMIT;
SELECT id, bal FROM acct ORDER BY id;

-- ROLLBACK ends a failed block too; a syntax error and an unknown table fail a block as well.
BEGIN;
INSERT INTO acct VALUES (3, 'cy', 5);
SELEC 1;
INSERT INTO acct VALUES (4, 'di', 5);
ROLLBACK;
BEGIN;
SELECT * FROM nosuch;
SELECT 1;
END;
BEGIN WORK;
SELECT 1 / 0;
ROLLBACK WORK;
SELECT count(*) FROM acct;

-- Transaction control out of place.
COMMIT;
ROLLBACK;
BEGIN;
BEGIN;
SELECT id FROM acct WHERE id = 1;
COMMIT;

-- DDL is transactional: a created table, an index and a dropped table all come back.
BEGIN;
CREATE TABLE tmp (x BIGINT);
INSERT INTO tmp VALUES (1);
CREATE INDEX acct_bal ON acct (bal);
DROP TABLE acct;
SELECT * FROM acct;
ROLLBACK;
SELECT * FROM tmp;
SELECT id, owner, bal FROM acct ORDER BY id;
DROP INDEX acct_bal;
-- ... and committed DDL is there after the block.
BEGIN;
CREATE TABLE kept (x BIGINT PRIMARY KEY);
INSERT INTO kept VALUES (1), (2);
COMMIT;
SELECT x FROM kept ORDER BY x;
-- A failed CREATE inside a block is 42P07 and fails the block like any error.
BEGIN;
INSERT INTO kept VALUES (3);
CREATE TABLE kept (y BIGINT);
INSERT INTO kept VALUES (4);
COMMIT;
SELECT x FROM kept ORDER BY x;
-- Drop and re-create under the same name in one block.
BEGIN;
DROP TABLE kept;
CREATE TABLE kept (y TEXT);
INSERT INTO kept VALUES ('new');
COMMIT;
SELECT * FROM kept;
BEGIN;
DROP TABLE kept;
CREATE TABLE kept (z BOOLEAN);
ROLLBACK;
SELECT * FROM kept;

-- A unique key freed and taken again in one block.
BEGIN;
DELETE FROM acct WHERE owner = 'bo';
INSERT INTO acct VALUES (20, 'bo', 7);
UPDATE acct SET owner = 'ann2' WHERE owner = 'ann';
INSERT INTO acct VALUES (10, 'ann', 1);
COMMIT;
SELECT id, owner, bal FROM acct ORDER BY id;
BEGIN;
DELETE FROM acct;
INSERT INTO acct VALUES (1, 'ann', 0), (2, 'bo', 0);
ROLLBACK;
SELECT id, owner, bal FROM acct ORDER BY id;
SELECT id FROM acct WHERE owner = 'bo';
SELECT id FROM acct WHERE id = 2;
