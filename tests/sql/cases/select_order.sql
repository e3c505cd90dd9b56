-- SELECT: WHERE, ORDER BY (ASC/DESC, NULLS FIRST/LAST, by position, by alias, by expression),
-- LIMIT / OFFSET, DISTINCT, SELECT without FROM, *.
CREATE TABLE city (id BIGINT PRIMARY KEY, name TEXT NOT NULL, country TEXT, pop BIGINT);
INSERT INTO city VALUES
  (1, 'Paris', 'FR', 2100), (2, 'Lyon', 'FR', 520), (3, 'Berlin', 'DE', 3600),
  (4, 'Bonn', 'DE', 330), (5, 'Atlantis', NULL, NULL), (6, 'Nice', 'FR', 340),
  (7, 'Hamburg', 'DE', 1800), (8, 'Vaduz', 'LI', 6), (9, 'Eldorado', NULL, 0);
SELECT * FROM city WHERE id = 1;
SELECT city.* FROM city WHERE id = 2;
SELECT 1 + 1 AS two, 'lit' AS l;

-- WHERE with AND / OR / NOT and comparisons on every column kind.
SELECT name FROM city WHERE country = 'FR' AND pop > 400 ORDER BY name;
SELECT name FROM city WHERE country = 'LI' OR pop < 1 ORDER BY name;
SELECT name FROM city WHERE NOT (country = 'FR') ORDER BY name;
SELECT name FROM city WHERE country <> 'FR' ORDER BY name;
SELECT name FROM city WHERE country != 'FR' ORDER BY name;
SELECT name FROM city WHERE pop >= 340 AND pop <= 520 ORDER BY pop;
SELECT name FROM city WHERE id > 3 AND id < 6 OR id = 9 ORDER BY id;
SELECT name FROM city WHERE true ORDER BY id LIMIT 1;
SELECT name FROM city WHERE false;
SELECT name FROM city WHERE NULL;
SELECT name FROM city WHERE pop;

-- ORDER BY: NULLs sort as larger than everything (last ascending, first descending).
SELECT name, pop FROM city ORDER BY pop, name;
SELECT name, pop FROM city ORDER BY pop DESC, name;
SELECT name, pop FROM city ORDER BY pop NULLS FIRST, name;
SELECT name, pop FROM city ORDER BY pop DESC NULLS LAST, name;
SELECT name, country FROM city ORDER BY country ASC NULLS FIRST, name DESC;
-- By position, by alias, by an expression, by a column not selected.
SELECT country, name FROM city ORDER BY 1, 2;
SELECT name AS n, pop AS p FROM city WHERE pop IS NOT NULL ORDER BY p DESC LIMIT 3;
SELECT name FROM city WHERE pop IS NOT NULL ORDER BY pop % 100, name;
SELECT name FROM city ORDER BY length(name) DESC, name LIMIT 3;
SELECT name FROM city ORDER BY id DESC LIMIT 2;
SELECT name FROM city ORDER BY 3;
SELECT name FROM city ORDER BY 0;
SELECT name FROM city ORDER BY nosuch;

-- LIMIT and OFFSET.
SELECT id FROM city ORDER BY id LIMIT 3;
SELECT id FROM city ORDER BY id LIMIT 3 OFFSET 3;
SELECT id FROM city ORDER BY id OFFSET 7;
SELECT id FROM city ORDER BY id LIMIT 0;
SELECT id FROM city ORDER BY id LIMIT 2 OFFSET 100;
SELECT id FROM city ORDER BY id LIMIT NULL OFFSET 8;
SELECT id FROM city ORDER BY id LIMIT -1;
SELECT id FROM city ORDER BY id OFFSET -1;
SELECT id FROM city ORDER BY id LIMIT 'x';

-- DISTINCT over one and several columns; NULLs are one group.
SELECT DISTINCT country FROM city ORDER BY country;
SELECT DISTINCT country, pop > 1000 AS big FROM city ORDER BY country, big;
SELECT DISTINCT country FROM city ORDER BY country DESC LIMIT 2;
SELECT count(DISTINCT country) AS countries FROM city;
SELECT DISTINCT country FROM city ORDER BY pop;

-- Column references: qualified, aliased table, unknown and ambiguous names.
SELECT c.name FROM city c WHERE c.id = 3;
SELECT city.name FROM city c;
SELECT x.name FROM city c;
SELECT name FROM city WHERE id = 'x';
SELECT name FROM city WHERE id = '3';
