-- TEXT: comparison by bytes (the C collation), ||, length/lower/upper, LIKE and ILIKE.
CREATE TABLE words (id BIGINT PRIMARY KEY, w TEXT);
INSERT INTO words VALUES (1, 'apple'), (2, 'Apple'), (3, 'banana'), (4, ''), (5, NULL),
  (6, '100%'), (7, 'a_b'), (8, 'it''s'), (9, 'héllo'), (10, 'APPLE pie');
SELECT id, w FROM words ORDER BY w, id;
SELECT id, w FROM words ORDER BY w DESC, id;
SELECT 'abc' < 'abd' AS a, 'B' < 'a' AS b, '' < 'a' AS c, 'a' < 'ab' AS d, 'Z' = 'z' AS e;

-- Concatenation: with NULL it is NULL; non-text operands are converted to text.
SELECT 'foo' || 'bar' AS a, 'x' || NULL AS b, 1 || 'x' AS c, 'x' || 2 AS d, 'n=' || true AS e;
SELECT id, w || '!' AS shout FROM words WHERE id IN (4, 5, 8) ORDER BY id;
SELECT 'it''s' AS quoted, 'back\slash' AS plain_backslash;
SELECT 'a' 'b' AS nope;

-- Functions count characters, not bytes; lower/upper change ASCII letters.
SELECT id, length(w) AS len, lower(w) AS lo, upper(w) AS up FROM words WHERE id IN (1, 2, 4, 5, 10) ORDER BY id;
SELECT length('héllo') AS chars;

-- LIKE: % any run, _ one character, \ escapes by default, ESCAPE picks another.
SELECT id FROM words WHERE w LIKE 'a%' ORDER BY id;
SELECT id FROM words WHERE w LIKE '%pp%' ORDER BY id;
SELECT id FROM words WHERE w ILIKE 'apple%' ORDER BY id;
SELECT id FROM words WHERE w NOT LIKE '%a%' ORDER BY id;
SELECT id FROM words WHERE w LIKE '_____' ORDER BY id;
SELECT id FROM words WHERE w LIKE 'h_llo';
SELECT id FROM words WHERE w LIKE '%\%';
SELECT id FROM words WHERE w LIKE '%!%' ESCAPE '!';
SELECT id FROM words WHERE w LIKE 'a\_b';
SELECT id FROM words WHERE w LIKE 'a_b' ORDER BY id;
SELECT id FROM words WHERE w LIKE '' ORDER BY id;
SELECT 'abc' LIKE 'abc' AS exact, 'abc' LIKE 'ab' AS prefix_only, 'ABC' ILIKE 'a_c' AS i,
       NULL LIKE 'a' AS n1, 'a' LIKE NULL AS n2;
SELECT 'abc' LIKE 'a%' ESCAPE '';
SELECT 'abc' LIKE 'ab\';
SELECT 'abc' LIKE 'a' ESCAPE 'xy';

-- Text and numbers do not mix without a cast.
SELECT w + 1 FROM words WHERE id = 1;
SELECT id FROM words WHERE w = 1;
SELECT id FROM words WHERE w = '1' OR length(w) = 1;
SELECT '5'::bigint + 1 AS n, 5::text || '1' AS t;
