-- 64-bit integer arithmetic: the edges of the range, overflow (22003) and division by zero (22012).
CREATE TABLE n (id BIGINT PRIMARY KEY, v BIGINT);
INSERT INTO n VALUES (1, 9223372036854775807), (2, -9223372036854775808), (3, 0), (4, 7), (5, -7);
SELECT id, v FROM n ORDER BY v;

-- Precedence and integer division truncating toward zero; % takes the dividend's sign.
SELECT 10 - 2 - 3 AS a, 2 + 3 * 4 AS b, (2 + 3) * 4 AS c, 2 * 3 % 4 AS d, -2 * 3 AS e;
SELECT 7 / 2 AS q1, -7 / 2 AS q2, 7 / -2 AS q3, 7 % 3 AS r1, -7 % 3 AS r2, 7 % -3 AS r3;
SELECT abs(-5) AS a, abs(5) AS b, abs(NULL::bigint) AS c;

-- Overflow in every operator.
SELECT v + 1 FROM n WHERE id = 1;
SELECT v - 1 FROM n WHERE id = 2;
SELECT v * 2 FROM n WHERE id = 1;
SELECT -v FROM n WHERE id = 2;
SELECT v / -1 FROM n WHERE id = 2;
SELECT v % -1 AS zero FROM n WHERE id = 2;
SELECT abs(v) FROM n WHERE id = 2;
SELECT 3037000500 * 3037000500;
SELECT 3037000499 * 3037000499 AS fits;
SELECT -9223372036854775808 AS min_literal;
SELECT 9223372036854775807 + 1;
SELECT 9223372036854775806 + 1 AS max;
SELECT v - 1 AS ok FROM n WHERE id = 1;

-- Overflow in a row that the filter never reaches is no error; one it reaches is.
SELECT id, v + 1 AS next FROM n WHERE v < 100 ORDER BY id;
SELECT id, v + 1 AS next FROM n ORDER BY id;

-- Division by zero, also when the divisor is a column.
SELECT 1 / 0;
SELECT 1 % 0;
SELECT 0 / 0;
SELECT id, 100 / v AS q FROM n WHERE v <> 0 ORDER BY id;
SELECT id, 100 / v AS q FROM n ORDER BY id;
SELECT NULL / 0 AS null_wins, 0 / NULL AS also_null;

-- A failing UPDATE changes nothing (statement atomicity), even if some rows were fine.
UPDATE n SET v = v + 1;
SELECT id, v FROM n ORDER BY id;
UPDATE n SET v = v * 10 WHERE id > 2;
SELECT id, v FROM n ORDER BY id;
UPDATE n SET v = 10 / v;
SELECT id, v FROM n ORDER BY id;

-- sum overflows too (acidb's sum is BIGINT; PostgreSQL's numeric would not: see README).
SELECT sum(v) FROM n WHERE id IN (1, 4); -- differs from PostgreSQL: sum() is a BIGINT
SELECT sum(v) AS s FROM n WHERE id IN (1, 2);
