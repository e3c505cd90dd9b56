-- Aggregates: count / sum / min / max / avg, over empty input, with NULLs, DISTINCT, GROUP BY
-- and HAVING, and avg printed as PostgreSQL prints a numeric.
CREATE TABLE sale (id BIGINT PRIMARY KEY, region TEXT, rep TEXT, amount BIGINT);

-- Empty input: one row; count is 0, the others are NULL.
SELECT count(*) AS n, count(amount) AS c, sum(amount) AS s, min(amount) AS lo, max(amount) AS hi, avg(amount) AS a FROM sale;
-- ... but GROUP BY over empty input gives no rows.
SELECT region, count(*) FROM sale GROUP BY region;
SELECT count(*) AS n FROM sale HAVING count(*) > 0;

INSERT INTO sale VALUES (1, 'north', 'ann', 100), (2, 'north', 'bo', 250), (3, 'south', 'ann', 75),
  (4, 'south', 'cy', NULL), (5, 'east', 'bo', 10), (6, NULL, 'cy', 5), (7, 'north', 'ann', 100);
SELECT count(*) AS n, count(amount) AS c, sum(amount) AS s, min(amount) AS lo, max(amount) AS hi FROM sale;
SELECT count(region) AS regions, count(DISTINCT region) AS distinct_regions, sum(DISTINCT amount) AS sd FROM sale;
SELECT min(rep) AS first_rep, max(rep) AS last_rep, min(region) AS r FROM sale;
-- Only NULLs: count 0, sum NULL.
SELECT count(amount) AS c, sum(amount) AS s, avg(amount) AS a FROM sale WHERE amount IS NULL;

-- avg: a numeric with PostgreSQL's scale (at least 16 digits after the point), rounded half away from zero.
SELECT avg(amount) AS a FROM sale;
SELECT avg(amount) AS a FROM sale WHERE id IN (1, 2);
SELECT avg(amount) AS a FROM sale WHERE id IN (1, 7);
SELECT avg(amount) AS a FROM sale WHERE id IN (3, 5, 6);
SELECT avg(-amount) AS a FROM sale WHERE id IN (3, 5, 6);
SELECT avg(amount) AS a FROM sale WHERE id IN (1, 2, 3);
SELECT avg(-amount) AS a FROM sale WHERE id IN (1, 2, 3);
SELECT avg(amount) AS a FROM sale WHERE id IN (2, 3, 5, 6);
SELECT avg(amount) AS a FROM sale WHERE id IN (3, 5);
SELECT avg(amount) AS one_row FROM sale WHERE id = 5;

-- GROUP BY one and two columns, NULL forms its own group, ORDER BY an aggregate.
SELECT region, count(*) AS n, sum(amount) AS total FROM sale GROUP BY region ORDER BY region;
SELECT region, rep, sum(amount) AS total FROM sale GROUP BY region, rep ORDER BY region, rep;
SELECT rep, sum(amount) AS total FROM sale GROUP BY rep ORDER BY total DESC, rep;
SELECT rep, sum(amount) AS total FROM sale GROUP BY rep ORDER BY sum(amount) NULLS FIRST, rep;
SELECT rep, count(*) FROM sale GROUP BY 1 ORDER BY 1;
SELECT upper(rep) AS r, max(amount) AS m FROM sale GROUP BY upper(rep) ORDER BY r;
SELECT region, avg(amount) AS a FROM sale GROUP BY region ORDER BY region;

-- HAVING filters groups; it may use aggregates that are not selected.
SELECT rep FROM sale GROUP BY rep HAVING count(*) > 1 ORDER BY rep;
SELECT rep, sum(amount) AS s FROM sale GROUP BY rep HAVING sum(amount) > 100 OR max(amount) < 10 ORDER BY rep;
SELECT rep FROM sale GROUP BY rep HAVING rep <> 'bo' ORDER BY rep;
SELECT count(*) AS n FROM sale HAVING count(*) > 5;

-- avg never overflows, even when the sum would.
CREATE TABLE big (v BIGINT);
INSERT INTO big VALUES (9223372036854775807), (9223372036854775806), (-9223372036854775808), (-9223372036854775808);
SELECT avg(v) AS a FROM big WHERE v > 0;
SELECT avg(v) AS a FROM big WHERE v < 0;
SELECT avg(v) AS a FROM big;
SELECT min(v) AS lo, max(v) AS hi, count(*) AS n FROM big;

-- Expressions around aggregates.
SELECT sum(amount) * 2 AS double, max(amount) - min(amount) AS spread, count(*) + 1 AS more FROM sale;
SELECT coalesce(sum(amount), 0) AS zero FROM sale WHERE id > 100;

-- Errors: grouping rules and aggregates where they are not allowed.
SELECT region, amount FROM sale GROUP BY region;
SELECT rep, count(*) FROM sale;
SELECT id FROM sale WHERE count(*) > 1;
SELECT sum(count(*)) FROM sale;
SELECT sum(rep) FROM sale;
SELECT avg(region) FROM sale;
SELECT nosuchfn(amount) FROM sale;
SELECT count(*) FROM sale GROUP BY 5;
UPDATE sale SET amount = max(amount);
-- GROUP BY an output column position or name.
SELECT count(*) AS n, rep FROM sale GROUP BY 2 ORDER BY 2;
SELECT upper(rep) AS r, count(*) AS n FROM sale GROUP BY r ORDER BY r;
