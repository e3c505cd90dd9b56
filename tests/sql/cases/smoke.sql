-- smoke
CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT);
INSERT INTO t VALUES (1, 'x'), (2, NULL);
SELECT * FROM t ORDER BY a; -- trailing
SELEC 1;
SELECT 'a;b', "a" FROM t;
