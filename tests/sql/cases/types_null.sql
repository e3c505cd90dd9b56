-- Three types (INTEGER is 64-bit, TEXT, BOOLEAN) and the three-valued logic of NULL.
CREATE TABLE v (id BIGINT PRIMARY KEY, n BIGINT, t TEXT, b BOOLEAN);
INSERT INTO v VALUES (1, 10, 'ten', true), (2, NULL, NULL, NULL), (3, -5, '', false);
SELECT id, n, t, b FROM v ORDER BY id;

-- NULL is not equal to anything, not even NULL; IS [NOT] NULL is the test.
SELECT NULL = NULL AS eq, NULL <> 1 AS ne, NULL IS NULL AS isnull, 1 IS NOT NULL AS notnull;
SELECT id FROM v WHERE n = NULL;
SELECT id FROM v WHERE n IS NULL;
SELECT id FROM v WHERE n IS NOT NULL ORDER BY id;
SELECT id FROM v WHERE t = '' ;
SELECT id FROM v WHERE NOT (n > 0) ORDER BY id;

-- AND / OR / NOT truth tables with unknown.
SELECT NULL AND false AS nf, NULL AND true AS nt, NULL OR true AS ot, NULL OR false AS of_, NOT NULL AS nn;
SELECT true AND NULL IS NULL AS prec;
SELECT b IS TRUE AS it, b IS NOT TRUE AS int_, b IS FALSE AS if_, b IS NOT FALSE AS inf FROM v ORDER BY id;
SELECT id, b AND n > 0 AS both_, b OR n > 0 AS either FROM v ORDER BY id;

-- Arithmetic and concatenation with NULL give NULL.
SELECT NULL + 1 AS a, 1 - NULL AS b, NULL * 0 AS c, 0 / NULL AS d, NULL || 'x' AS e;
SELECT n + 1 AS n1, t || '!' AS t1 FROM v ORDER BY id;

-- Casts follow PostgreSQL's input rules.
SELECT '12'::bigint + 1 AS a, CAST(' 42 ' AS BIGINT) AS b, '-7'::bigint AS c;
SELECT 'abc'::bigint;
SELECT '1.5'::bigint;
SELECT '' ::bigint;
SELECT true::integer AS t, false::integer AS f, 0::boolean AS z, 7::boolean AS s;
SELECT 'yes'::boolean AS y, 'off'::boolean AS o, 'T'::boolean AS t, ' true '::boolean AS sp;
SELECT 'maybe'::boolean;
SELECT 42::text || 'x' AS t, true::text AS b;
SELECT 1 = '1' AS eq, '2' < 10 AS lt;

-- Type errors: no implicit integer <-> boolean, no arithmetic on text.
SELECT 1 + true;
SELECT 1 AND true;
SELECT 1 IS TRUE;
SELECT 'x' + 1;
SELECT n + t FROM v;
INSERT INTO v VALUES (4, 'four', NULL, NULL);
INSERT INTO v VALUES (4, NULL, NULL, 'maybe');
INSERT INTO v (id, b) VALUES (4, 'yes');
SELECT id, n, t, b FROM v WHERE id = 4;
UPDATE v SET b = 1 WHERE id = 4;
INSERT INTO v VALUES (5, NULL, NULL, 'x' || 'y');
SELECT count(*) FROM v WHERE b;

-- Every type has an assignment cast to TEXT.
INSERT INTO v VALUES (6, NULL, 5, NULL);
UPDATE v SET t = true WHERE id = 4;
SELECT id, t FROM v WHERE id >= 4 ORDER BY id;
