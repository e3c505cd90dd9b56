-- SMALLINT, INTEGER and BIGINT: each its own width, range and range error.
CREATE TABLE n (id INTEGER PRIMARY KEY, s SMALLINT, i INTEGER, b BIGINT);
INSERT INTO n VALUES (1, 32767, 2147483647, 9223372036854775807);
INSERT INTO n VALUES (2, -32768, -2147483648, -9223372036854775808);
INSERT INTO n VALUES (3, 0, 0, 0);

-- Storing a value the column's width cannot hold.
INSERT INTO n (id, s) VALUES (10, 32768);
INSERT INTO n (id, s) VALUES (10, -32769);
INSERT INTO n (id, i) VALUES (10, 2147483648);
INSERT INTO n (id, i) VALUES (10, '2147483648');
INSERT INTO n (id, s) VALUES (10, '40000');
INSERT INTO n (id, s) VALUES (10, 'abc');
INSERT INTO n (id) VALUES (2147483648);
INSERT INTO n (id, i) SELECT 11, b FROM n WHERE id = 1;
INSERT INTO n (id, i) SELECT 11, b FROM n WHERE id = 3;
UPDATE n SET i = i + 1 WHERE id = 1;
UPDATE n SET s = s - 1 WHERE id = 2;
UPDATE n SET s = i WHERE id = 1;
UPDATE n SET s = i WHERE id = 3;
SELECT id, s, i, b FROM n ORDER BY id;

-- Arithmetic: the result has the wider operand type and its range.
SELECT 2147483647 + 1;
SELECT -2147483648 - 1;
SELECT 65536 * 65536;
SELECT (-2147483648) / -1;
SELECT (-2147483648) % -1;
SELECT 2147483647 + 1::bigint AS widened;
SELECT 2147483648 + 1 AS bigint_literal;
SELECT 9223372036854775807 + 1;
SELECT s + s FROM n WHERE id = 1;
SELECT s + 1 AS s_plus_int FROM n WHERE id = 1;
SELECT s * 2::smallint FROM n WHERE id = 1;
SELECT -s FROM n WHERE id = 2;
SELECT abs(s) FROM n WHERE id = 2;
SELECT abs(i) FROM n WHERE id = 2;
SELECT i * 2 FROM n WHERE id = 1;
SELECT i * 2::bigint AS doubled FROM n WHERE id = 1;
SELECT s + '1' FROM n WHERE id = 1;
SELECT i + b FROM n WHERE id = 3;

-- Casts check the target's range.
SELECT 32767::smallint, (-32768)::int2, 2147483647::int4, 3::int8;
SELECT 32768::smallint;
SELECT 3000000000::integer;
SELECT '3000000000'::int4;
SELECT '99999999999999999999'::bigint;
SELECT ' 12 '::smallint AS padded;
SELECT '1.5'::integer;
SELECT CAST(b AS integer) FROM n WHERE id = 1;
SELECT CAST(b AS integer) AS small FROM n WHERE id = 3;
SELECT i::smallint FROM n WHERE id = 3;

-- Comparisons mix widths freely.
SELECT id FROM n WHERE s < i AND i < b ORDER BY id;
SELECT id FROM n WHERE s = 0 AND i = 0::bigint AND b = 0::smallint;
SELECT id FROM n WHERE i IN (2147483647, 9223372036854775807) ORDER BY id;

-- Aggregates: count and sum of smallint / integer are bigint.
SELECT count(*), sum(s), sum(i), min(s), max(i) FROM n;
SELECT sum(i) + 9223372036854775000 FROM n WHERE id = 3;

-- SERIAL is an integer, BIGSERIAL a bigint, SMALLSERIAL a smallint.
CREATE TABLE sr (a SMALLSERIAL, b SERIAL, c BIGSERIAL, note TEXT);
INSERT INTO sr (note) VALUES ('x') RETURNING a, b, c;
INSERT INTO sr (a, note) VALUES (32768, 'y');
INSERT INTO sr (b, note) VALUES (2147483648, 'y');
INSERT INTO sr (c, note) VALUES (2147483648, 'y') RETURNING c;

-- Keys of every width.
CREATE TABLE k (id SMALLINT PRIMARY KEY, u INT4 UNIQUE, v INT8);
CREATE INDEX k_v ON k (v);
INSERT INTO k VALUES (-3, 30, -300), (1, -10, 100), (2, 20, -200);
INSERT INTO k VALUES (1, 0, 0);
INSERT INTO k VALUES (5, 20, 0);
SELECT id FROM k WHERE u > -20 AND u < 25 ORDER BY u;
SELECT id, v FROM k WHERE v >= -250 ORDER BY v DESC;
SELECT id FROM k ORDER BY id;
