-- EXPLAIN names the access path the planner picked (acidb's own plan format, not
-- PostgreSQL's): a point lookup on the primary key or a unique index, an index scan on a
-- non-unique index, a range scan with its bounds, and a sequential scan otherwise.
CREATE TABLE acct (id BIGINT PRIMARY KEY, email TEXT UNIQUE, branch BIGINT, bal BIGINT);
CREATE INDEX acct_branch ON acct (branch);
CREATE TABLE pair (a TEXT, b BIGINT, v BIGINT, PRIMARY KEY (a, b));
INSERT INTO acct VALUES (1, 'a@x', 1, 10), (2, 'b@x', 1, 20), (3, 'c@x', 2, 30);
INSERT INTO pair VALUES ('x', 1, 1), ('x', 2, 2), ('y', 1, 3);

EXPLAIN SELECT bal FROM acct WHERE id = 2; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT bal FROM acct WHERE 2 = id; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT id FROM acct WHERE email = 'b@x'; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT id FROM acct WHERE branch = 1; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT id FROM acct WHERE id > 1; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT id FROM acct WHERE id >= 1 AND id < 3; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT id FROM acct WHERE id BETWEEN 1 AND 2; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT id FROM acct WHERE branch < 2; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT id FROM acct WHERE bal > 15; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT id FROM acct WHERE id = 1 OR id = 2; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT id FROM acct; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT id FROM acct WHERE id = 2 AND bal > 0; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT v FROM pair WHERE a = 'x' AND b = 2; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT v FROM pair WHERE a = 'x'; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT v FROM pair WHERE b = 2; -- differs from PostgreSQL: acidb's plan format
-- Plan shapes around the scan.
EXPLAIN SELECT DISTINCT branch FROM acct ORDER BY branch LIMIT 1; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT branch, count(*) FROM acct GROUP BY branch; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT count(*) FROM acct; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT 1; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT a.id FROM acct a JOIN acct b ON b.id = a.branch; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT bal FROM acct WHERE id = 1 FOR UPDATE; -- differs from PostgreSQL: acidb's plan format
EXPLAIN INSERT INTO acct VALUES (4, 'd@x', 2, 40); -- differs from PostgreSQL: acidb's plan format
EXPLAIN UPDATE acct SET bal = 0 WHERE email = 'a@x'; -- differs from PostgreSQL: acidb's plan format
EXPLAIN DELETE FROM acct WHERE branch = 2; -- differs from PostgreSQL: acidb's plan format
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
EXPLAIN SELECT id FROM acct WHERE branch = 1; -- differs from PostgreSQL: acidb's plan format
CREATE INDEX acct_bal ON acct (bal);
EXPLAIN SELECT id FROM acct WHERE bal = 20; -- differs from PostgreSQL: acidb's plan format
EXPLAIN SELECT id FROM acct WHERE bal > 20; -- differs from PostgreSQL: acidb's plan format
SELECT id FROM acct WHERE bal > 15 ORDER BY id;
