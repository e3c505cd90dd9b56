-- INSERT / UPDATE / DELETE: RETURNING, INSERT ... SELECT, changing a primary key, deleting and
-- re-inserting through the indexes, and the row counts in the command tags.
CREATE TABLE stock (sku TEXT PRIMARY KEY, qty BIGINT NOT NULL, bin BIGINT, note TEXT);
CREATE INDEX stock_bin ON stock (bin);
INSERT INTO stock VALUES ('a', 1, 10, NULL), ('b', 2, 10, 'x'), ('c', 3, 20, NULL) RETURNING sku, qty * 10 AS q10;
INSERT INTO stock (sku, qty) VALUES ('d', 4) RETURNING *;
INSERT INTO stock (qty, sku) VALUES (5, 'e') RETURNING bin, note;
UPDATE stock SET qty = qty + 100 WHERE bin = 10 RETURNING sku, qty;
UPDATE stock SET note = 'none' WHERE bin IS NULL RETURNING sku AS s, note;
UPDATE stock SET qty = 0 WHERE sku = 'zzz' RETURNING sku;
DELETE FROM stock WHERE qty > 100 RETURNING sku, bin;
DELETE FROM stock WHERE false RETURNING *;
SELECT sku, qty, bin, note FROM stock ORDER BY sku;

-- Column lists: fewer values, too many, unknown column, a column twice.
INSERT INTO stock (sku) VALUES ('f');
INSERT INTO stock (sku, qty) VALUES ('f', 1, 2);
INSERT INTO stock VALUES ('f', 1, 2, 'n', 'extra');
INSERT INTO stock (sku, qty, sku) VALUES ('f', 1, 'g');
UPDATE stock SET qty = 1, qty = 2 WHERE sku = 'c';
INSERT INTO stock VALUES ('f', 1), ('g', 2, 3);

-- INSERT ... SELECT, from the same table too.
CREATE TABLE archive (sku TEXT PRIMARY KEY, qty BIGINT);
INSERT INTO archive SELECT sku, qty FROM stock WHERE qty < 5;
INSERT INTO archive (qty, sku) SELECT qty * 2, sku || '2' FROM stock ORDER BY sku LIMIT 2;
INSERT INTO archive SELECT sku, qty FROM stock;
INSERT INTO stock (sku, qty, bin) SELECT sku || '-copy', qty, 30 FROM stock WHERE bin = 20;
INSERT INTO archive SELECT sku FROM stock;
INSERT INTO archive SELECT 'lit', 7 RETURNING *;
SELECT sku, qty FROM archive ORDER BY sku;

-- Changing a primary key moves the row; the secondary index follows it.
UPDATE stock SET sku = 'c2' WHERE sku = 'c';
SELECT sku, qty, bin FROM stock WHERE sku = 'c';
SELECT sku, qty, bin FROM stock WHERE sku = 'c2';
SELECT sku FROM stock WHERE bin = 20 ORDER BY sku;
UPDATE stock SET sku = 'e' WHERE sku = 'c2';
UPDATE stock SET sku = sku || '!';
SELECT sku FROM stock ORDER BY sku;

-- Integer primary keys: shifting every key by one collides (PostgreSQL checks each row at
-- once); shifting past the others works, and every row is moved exactly once.
CREATE TABLE seq (id BIGINT PRIMARY KEY, v TEXT UNIQUE);
INSERT INTO seq VALUES (1, 'one'), (2, 'two'), (3, 'three');
UPDATE seq SET id = id + 1;
UPDATE seq SET id = id + 10;
UPDATE seq SET id = id * -1 RETURNING id, v;
SELECT id, v FROM seq ORDER BY id;
SELECT v FROM seq WHERE id = -2;
UPDATE seq SET id = 2 WHERE v = 'two';
SELECT id, v FROM seq WHERE id = 2;

-- Delete with index maintenance, then re-insert the same keys.
DELETE FROM seq WHERE id < 0;
SELECT count(*) FROM seq;
SELECT v FROM seq WHERE v = 'one';
INSERT INTO seq VALUES (1, 'one'), (3, 'three');
INSERT INTO seq VALUES (4, 'two');
SELECT id, v FROM seq ORDER BY id;
DELETE FROM stock WHERE bin = 10;
DELETE FROM stock;
SELECT count(*) FROM stock WHERE bin = 20;
INSERT INTO stock VALUES ('a', 1, 20, NULL), ('c', 3, 20, NULL);
SELECT sku FROM stock WHERE bin = 20 ORDER BY sku;
-- Moving rows forward along the index being scanned moves each row once (no Halloween problem).
CREATE TABLE h (id BIGINT PRIMARY KEY, n BIGINT);
CREATE INDEX h_n ON h (n);
INSERT INTO h VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8);
UPDATE h SET id = id + 2 WHERE id > 4;
UPDATE h SET n = n + 3 WHERE n >= 2;
UPDATE h SET id = id + 100 WHERE id >= 1;
SELECT id, n FROM h ORDER BY id;
SELECT id FROM h WHERE n BETWEEN 5 AND 8 ORDER BY n;
-- UPDATE without WHERE; UPDATE that changes nothing still counts the rows.
UPDATE stock SET qty = qty;
UPDATE stock SET bin = NULL RETURNING sku, bin;
SELECT count(*) FROM stock WHERE bin = 20;
SELECT sku FROM stock WHERE bin IS NULL ORDER BY sku;
