-- REAL and DOUBLE PRECISION: IEEE floats with PostgreSQL's input, output and errors.
CREATE TABLE f (id INTEGER PRIMARY KEY, d DOUBLE PRECISION, r REAL, g FLOAT, h FLOAT(24), k FLOAT8, l FLOAT4);
INSERT INTO f VALUES (1, 0.1, 0.1, 1e3, 1.5, 2.5e-3, -7);
INSERT INTO f VALUES (2, '1e300', '3.4e38', 'NaN', 'Infinity', '-Infinity', '-0');
INSERT INTO f VALUES (3, 1, 2, 3, 4, 5, 6);
INSERT INTO f (id, d) VALUES (4, '  12.5  ');
SELECT * FROM f ORDER BY id;

-- Output: the shortest text that reads back exactly (extra_float_digits = 1).
SELECT 0.1::float8 + 0.2::float8 AS sum, 1e15::float8 AS big, 123456789012345::float8 AS fixed;
SELECT 1e-4::float8 AS small, 1e-5::float8 AS tiny, 1e6::real AS real_big, 123456::real AS real_fixed;
SELECT 0.1::real AS real_tenth, 0.1::real::float8 AS widened, 3.14159265358979::float4 AS pi4;
SELECT 5e-324::float8 AS denormal, 1.7976931348623157e308::float8 AS max;
SELECT (-0.0)::float8 AS negzero, 'nan'::float8, '-inf'::float8, 'infinity'::real;

-- Input errors.
SELECT 'abc'::float8;
SELECT ''::real;
SELECT '1e400'::float8;
SELECT '1e-400'::float8;
SELECT '1e39'::real;
SELECT '1.5x'::double precision;
INSERT INTO f (id, d) VALUES (9, 'x');

-- Arithmetic and its errors.
SELECT d * 2, d / 4, d - 1, -d FROM f WHERE id = 3;
SELECT r * 2, r / 3 FROM f WHERE id = 3;
SELECT 1e308::float8 * 10;
SELECT 1e-300::float8 * 1e-300::float8;
SELECT 1::float8 / 0;
SELECT 0::float8 / 0;
SELECT 'NaN'::float8 / 0;
SELECT 'Infinity'::float8 + 1, 'Infinity'::float8 - 'Infinity'::float8;
SELECT 3.4e38::real * 10;
SELECT 1e-30::real * 1e-30::real;
SELECT 5 % 2.0::float8;
SELECT id + d, id * r, d + r FROM f WHERE id = 3;
SELECT 2 * 1.5::float8 AS mixed, 1.5::real + 1 AS mixed_real;
SELECT abs(-2.5::float8), abs(l) FROM f WHERE id = 1;

-- Casts between numbers round half to even and check ranges.
SELECT 2.5::float8::integer, 3.5::float8::integer, (-2.5)::float8::int, 1.5::real::smallint;
SELECT 1e10::float8::integer;
SELECT 'NaN'::float8::bigint;
SELECT 40000::float8::int2;
SELECT 9223372036854775807::float8;
SELECT 16777217::real;
SELECT 1e300::float8::real;
SELECT 1e-300::float8::real;
SELECT true::float8;
SELECT 1.5::float8::text, (1.5::real)::text || 'x';

-- Comparisons: NaN equals NaN and sorts above everything; -0 equals 0.
SELECT 'NaN'::float8 = 'NaN'::float8, 'NaN'::float8 > 'Infinity'::float8, (-0.0)::float8 = 0;
SELECT 1 = 1.0::float8, 2 > 1.5::float8, 0.1::real = 0.1::float8, 0.1::real = '0.1';
SELECT id FROM f WHERE d > 0.5 ORDER BY d;
SELECT id, g FROM f ORDER BY g, id;
SELECT id, g FROM f ORDER BY g DESC, id;

-- Assignment: numbers into number columns.
CREATE TABLE a (i INTEGER, s SMALLINT, r REAL, d DOUBLE PRECISION);
INSERT INTO a VALUES (2.5::float8, 3.5::float8, 1, 2);
INSERT INTO a VALUES (1, 1, 1e300::float8, 1);
INSERT INTO a VALUES (1e10::float8, 1, 1, 1);
INSERT INTO a (r, d) VALUES (1.1, 1.1);
UPDATE a SET d = i * 1.5::float8 WHERE i = 2;
SELECT * FROM a ORDER BY i, r;

-- Aggregates.
CREATE TABLE agg (x DOUBLE PRECISION, y REAL);
INSERT INTO agg VALUES (0.1, 0.1), (0.2, 0.2), (0.3, 0.3), (NULL, NULL);
SELECT sum(x), avg(x), min(x), max(x), sum(y), avg(y), count(x) FROM agg;
SELECT sum(x) FROM agg WHERE x > 1;
INSERT INTO agg VALUES (1e308, 1e38);
SELECT sum(x) FROM agg;
SELECT sum(y) FROM agg;
SELECT avg(x) FROM agg;

-- Keys: an index and a unique constraint on floats, range scans in value order.
CREATE TABLE kf (v DOUBLE PRECISION UNIQUE, w REAL);
CREATE INDEX kf_w ON kf (w);
INSERT INTO kf VALUES (-1.5, 2), ('-Infinity', -3), ('NaN', 1), (0, 0.5), ('Infinity', -0.25), (2.25, 'NaN');
INSERT INTO kf VALUES (-0.0, 9);
INSERT INTO kf VALUES ('nan', 9);
SELECT v FROM kf WHERE v >= -2 ORDER BY v;
SELECT v FROM kf WHERE v > 0 AND v < 'Infinity' ORDER BY v;
SELECT w FROM kf WHERE w > 0 ORDER BY w;
SELECT w FROM kf ORDER BY w DESC;
SELECT count(*) FROM kf WHERE v = 0;
SELECT v FROM kf WHERE v > 1;

-- A literal with a fraction is numeric in PostgreSQL; without numeric values acidb accepts
-- one only where a float is wanted (CAST, a float operand or column) and refuses it
-- elsewhere (a deliberate difference: PostgreSQL prints 1.5, 2.5, 2.5 and stores 2).
SELECT 1.5; -- differs from PostgreSQL: outside acidb's subset
SELECT 1.5 + 1; -- differs from PostgreSQL: outside acidb's subset
SELECT 1 * 2.5; -- differs from PostgreSQL: outside acidb's subset
INSERT INTO a (i) VALUES (1.5); -- differs from PostgreSQL: outside acidb's subset

-- A float in a failing row's detail (and in a key's).
CREATE TABLE fr (a REAL NOT NULL, b DOUBLE PRECISION, c INTEGER NOT NULL);
INSERT INTO fr VALUES (0.1, 2.5, NULL);
