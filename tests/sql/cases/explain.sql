-- EXPLAIN names the access path the planner picked (acidb's own plan format, not
-- PostgreSQL's): a point lookup on the primary key or a unique index, an index scan on a
-- non-unique index, a range scan with its bounds, and a sequential scan otherwise.
CREATE TABLE acct (id BIGINT PRIMARY KEY, email TEXT UNIQUE, branch BIGINT, bal BIGINT);
CREATE INDEX acct_branch ON acct (branch);
CREATE TABLE pair (a TEXT, b BIGINT, v BIGINT, PRIMARY KEY (a, b));
INSERT INTO acct VALUES (1, 'a@x', 1, 10), (2, 'b@x', 1, 20), (3, 'c@x', 2, 30);
INSERT INTO pair VALUES ('x', 1, 1), ('x', 2, 2), ('y', 1, 3);

EXPLAIN SELECT bal FROM acct WHERE id = 2;
EXPLAIN SELECT bal FROM acct WHERE 2 = id;
EXPLAIN SELECT id FROM acct WHERE email = 'b@x';
EXPLAIN SELECT id FROM acct WHERE branch = 1;
EXPLAIN SELECT id FROM acct WHERE id > 1;
EXPLAIN SELECT id FROM acct WHERE id >= 1 AND id < 3;
EXPLAIN SELECT id FROM acct WHERE id BETWEEN 1 AND 2;
EXPLAIN SELECT id FROM acct WHERE branch < 2;
EXPLAIN SELECT id FROM acct WHERE bal > 15;
EXPLAIN SELECT id FROM acct WHERE id = 1 OR id = 2;
EXPLAIN SELECT id FROM acct;
EXPLAIN SELECT id FROM acct WHERE id = 2 AND bal > 0;
EXPLAIN SELECT v FROM pair WHERE a = 'x' AND b = 2;
EXPLAIN SELECT v FROM pair WHERE a = 'x';
EXPLAIN SELECT v FROM pair WHERE b = 2;
-- Plan shapes around the scan.
EXPLAIN SELECT DISTINCT branch FROM acct ORDER BY branch LIMIT 1;
EXPLAIN SELECT branch, count(*) FROM acct GROUP BY branch;
EXPLAIN SELECT count(*) FROM acct;
EXPLAIN SELECT 1;
EXPLAIN SELECT a.id FROM acct a JOIN acct b ON b.id = a.branch;
EXPLAIN SELECT bal FROM acct WHERE id = 1 FOR UPDATE;
EXPLAIN INSERT INTO acct VALUES (4, 'd@x', 2, 40);
EXPLAIN UPDATE acct SET bal = 0 WHERE email = 'a@x';
EXPLAIN DELETE FROM acct WHERE branch = 2;
-- EXPLAIN does not run the statement.
SELECT count(*) FROM acct;
-- The plans give the right answers.
SELECT bal FROM acct WHERE id = 2;
SELECT id FROM acct WHERE email = 'b@x';
SELECT id FROM acct WHERE branch = 1 ORDER BY id;
SELECT id FROM acct WHERE id >= 1 AND id < 3 ORDER BY id;
SELECT id FROM acct WHERE branch < 2 ORDER BY id;
SELECT v FROM pair WHERE a = 'x' AND b = 2;
SELECT v FROM pair WHERE a = 'x' ORDER BY v;
SELECT v FROM pair WHERE b = 1 ORDER BY v;
-- After an index is dropped the plan falls back to a scan; a new index is used at once.
DROP INDEX acct_branch;
EXPLAIN SELECT id FROM acct WHERE branch = 1;
CREATE INDEX acct_bal ON acct (bal);
EXPLAIN SELECT id FROM acct WHERE bal = 20;
EXPLAIN SELECT id FROM acct WHERE bal > 20;
SELECT id FROM acct WHERE bal > 15 ORDER BY id;
