-- CASE, COALESCE, NULLIF, BETWEEN and IN, with NULLs everywhere they can go.
CREATE TABLE p (id BIGINT PRIMARY KEY, qty BIGINT, note TEXT);
INSERT INTO p VALUES (1, 0, 'none'), (2, 5, NULL), (3, 50, 'bulk'), (4, NULL, NULL), (5, -1, 'refund');

-- Searched and simple CASE; no ELSE gives NULL; the first true branch wins.
SELECT id, CASE WHEN qty IS NULL THEN 'unknown' WHEN qty < 0 THEN 'negative' WHEN qty = 0 THEN 'zero'
  WHEN qty < 10 THEN 'few' ELSE 'many' END AS size FROM p ORDER BY id;
SELECT id, CASE qty WHEN 0 THEN 'zero' WHEN 5 THEN 'five' END AS name FROM p ORDER BY id;
SELECT CASE NULL WHEN NULL THEN 'matched' ELSE 'no match' END AS null_case;
SELECT CASE WHEN NULL THEN 1 ELSE 2 END AS unknown_is_not_true;
SELECT CASE WHEN true THEN 1 ELSE 'x' END;
SELECT CASE WHEN 1 THEN 1 END;
-- A branch not taken is not evaluated.
SELECT id, CASE WHEN qty = 0 THEN NULL ELSE 100 / qty END AS per FROM p WHERE qty IS NOT NULL ORDER BY id;

-- COALESCE takes the first non-NULL; NULLIF turns a value into NULL.
SELECT id, COALESCE(note, 'n/a') AS note, COALESCE(qty, -999) AS qty FROM p ORDER BY id;
SELECT COALESCE(NULL, NULL, 3, 4) AS c, COALESCE(NULL::bigint, NULL) AS all_null;
SELECT id, NULLIF(qty, 0) AS nz, NULLIF(note, 'none') AS nn FROM p ORDER BY id;
SELECT COALESCE(1, 'x');
SELECT COALESCE(1, true);
SELECT COALESCE(qty, note) FROM p;

-- BETWEEN is inclusive and does not swap its bounds; NULL makes it unknown.
SELECT id FROM p WHERE qty BETWEEN 0 AND 5 ORDER BY id;
SELECT id FROM p WHERE qty BETWEEN 5 AND 0 ORDER BY id;
SELECT id FROM p WHERE qty NOT BETWEEN 0 AND 5 ORDER BY id;
SELECT 1 BETWEEN NULL AND 0 AS f, 1 BETWEEN NULL AND 2 AS n, 'b' BETWEEN 'a' AND 'c' AS t;

-- IN and NOT IN with a NULL in the list: NOT IN never returns true then.
SELECT id FROM p WHERE qty IN (0, 50, 7) ORDER BY id;
SELECT id FROM p WHERE qty NOT IN (0, 50) ORDER BY id;
SELECT id FROM p WHERE qty NOT IN (0, 50, NULL) ORDER BY id;
SELECT id FROM p WHERE note IN ('bulk', 'refund', NULL) ORDER BY id;
SELECT 1 IN (1, NULL) AS t, 2 IN (1, NULL) AS n, NULL IN (1, 2) AS n2, 2 NOT IN (1, 3) AS t2;
SELECT id FROM p WHERE id IN (3) OR id IN (1, 1, 1) ORDER BY id;
SELECT 1 IN (1, 'x');
SELECT 1 IN ('1', '2') AS converted;
