-- CHARACTER VARYING(n) and CHARACTER(n): limits, explicit casts, blank padding.
CREATE TABLE s (id INTEGER PRIMARY KEY, v VARCHAR(5), c CHAR(5), one CHAR, t TEXT, vv VARCHAR);
INSERT INTO s VALUES (1, 'abc', 'abc', 'x', 'abc', 'abc');
INSERT INTO s VALUES (2, 'abcde', 'abcde', 'y', 'abc  ', 'abc  ');
INSERT INTO s (id, v) VALUES (3, 'abcdef');
INSERT INTO s (id, c) VALUES (3, 'abcdef');
INSERT INTO s (id, one) VALUES (3, 'xy');
INSERT INTO s (id, v, c, one) VALUES (3, 'ab      ', 'ab         ', 'z   ');
INSERT INTO s (id, v) VALUES (4, 'ééééé');
INSERT INTO s (id, v) VALUES (5, 'éééééé');
SELECT id, v, c, one, length(v), length(c), octet_length(c) FROM s ORDER BY id;
SELECT id, '[' || c || ']' AS bracketed, c::text || '|' AS as_text FROM s WHERE c IS NOT NULL ORDER BY id;

-- Explicit casts cut at n characters; CHAR pads.
SELECT 'abcdef'::varchar(3), 'abcdef'::char(3), 'ab'::char(4) || '|', CAST('éééé' AS varchar(2));
SELECT 'a'::char(3) = 'a  '::char(5), 'a'::char(3) = 'a', 'a '::varchar = 'a', 'a'::char(2) < 'b';
SELECT length('ab  '::char(6)), length('ab  '::varchar(6)), ('ab'::char(4))::varchar(10) || '|';

-- Comparisons on CHAR columns ignore trailing blanks.
SELECT id FROM s WHERE c = 'abc' ORDER BY id;
SELECT id FROM s WHERE c = 'abc  ' ORDER BY id;
SELECT id FROM s WHERE c > 'ab' ORDER BY id;
SELECT id FROM s WHERE t = 'abc' ORDER BY id;
UPDATE s SET v = v || 'xyz' WHERE id = 1;
UPDATE s SET v = v || 'x' WHERE id = 1;
SELECT v FROM s WHERE id = 1;

-- Keys on CHAR: padding makes 'k' and 'k ' the same key.
CREATE TABLE ck (k CHAR(3) PRIMARY KEY, n INTEGER);
INSERT INTO ck VALUES ('k', 1), ('kk', 2);
INSERT INTO ck VALUES ('k ', 3);
SELECT '[' || k || ']', n FROM ck WHERE k = 'k' ORDER BY k;
SELECT n FROM ck WHERE k >= 'k' AND k < 'kz' ORDER BY n;

-- Length limits in type names.
CREATE TABLE bad (v VARCHAR(0));
CREATE TABLE bad (c CHAR(0));
CREATE TABLE bad (c CHAR(10485761));

-- IN, BETWEEN and simple CASE on CHAR ignore the blanks too.
SELECT id FROM s WHERE c IN ('abc', 'ab') ORDER BY id;
SELECT id FROM s WHERE c BETWEEN 'ab' AND 'abc' ORDER BY id;
SELECT id, CASE c WHEN 'abc' THEN 'three' WHEN 'ab' THEN 'two' ELSE 'other' END FROM s WHERE c IS NOT NULL ORDER BY id;
