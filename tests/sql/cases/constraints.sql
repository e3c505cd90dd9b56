-- PRIMARY KEY, UNIQUE (one and several columns; NULLs are distinct), NOT NULL, CHECK named and
-- unnamed, DEFAULT: each violation is refused with its SQLSTATE and changes nothing.
CREATE TABLE item (
  id BIGINT PRIMARY KEY,
  sku TEXT UNIQUE,
  name TEXT NOT NULL,
  price BIGINT NOT NULL DEFAULT 100 CHECK (price >= 0),
  stock BIGINT DEFAULT 0,
  active BOOLEAN NOT NULL DEFAULT true,
  CONSTRAINT stock_sane CHECK (stock >= 0 AND stock < 1000000)
);
INSERT INTO item (id, sku, name) VALUES (1, 'A-1', 'anvil');
SELECT id, sku, name, price, stock, active FROM item;

-- PRIMARY KEY: unique and not null.
INSERT INTO item (id, sku, name) VALUES (1, 'A-2', 'again');
INSERT INTO item (id, sku, name) VALUES (NULL, 'A-2', 'no id');
INSERT INTO item (sku, name) VALUES ('A-2', 'no id either');

-- UNIQUE on one column: duplicates refused, but any number of NULLs.
INSERT INTO item (id, sku, name) VALUES (2, 'A-1', 'copy');
INSERT INTO item (id, sku, name) VALUES (2, NULL, 'bolt'), (3, NULL, 'chain');
SELECT id, sku, name FROM item ORDER BY id;
UPDATE item SET sku = 'A-1' WHERE id = 2;
UPDATE item SET sku = 'B-' || id WHERE sku IS NULL;
SELECT id, sku FROM item ORDER BY id;
-- Swapping two keys in one statement is refused (PostgreSQL checks each row as it is written).
UPDATE item SET sku = CASE sku WHEN 'B-2' THEN 'B-3' ELSE 'B-2' END WHERE id IN (2, 3);
UPDATE item SET id = id + 1;
SELECT id, sku FROM item ORDER BY id;

-- NOT NULL with the column named.
INSERT INTO item (id, name) VALUES (4, NULL);
UPDATE item SET name = NULL WHERE id = 1;
INSERT INTO item (id, sku) VALUES (4, 'D-4');
UPDATE item SET active = NULL;

-- CHECK: unnamed gets <table>_<column>_check, named keeps its name; NULL passes a CHECK.
INSERT INTO item (id, name, price) VALUES (4, 'dear', -1);
INSERT INTO item (id, name, stock) VALUES (4, 'stacked', 1000000);
INSERT INTO item (id, name, stock) VALUES (4, 'unknown stock', NULL);
UPDATE item SET price = price - 101 WHERE id = 1;
UPDATE item SET stock = stock - 1;
SELECT id, price, stock FROM item ORDER BY id;

-- DEFAULT: in VALUES, for omitted columns, DEFAULT VALUES, and UPDATE ... SET x = DEFAULT.
INSERT INTO item (id, name, price, stock) VALUES (5, 'explicit defaults', DEFAULT, DEFAULT);
UPDATE item SET price = 7, stock = 3 WHERE id = 5;
UPDATE item SET price = DEFAULT, stock = DEFAULT WHERE id = 5;
SELECT id, price, stock, active FROM item WHERE id = 5;
CREATE TABLE counter (n BIGINT DEFAULT 42, label TEXT DEFAULT 'x' || 'y', flag BOOLEAN);
INSERT INTO counter DEFAULT VALUES;
INSERT INTO counter VALUES (DEFAULT, DEFAULT, DEFAULT);
SELECT n, label, flag FROM counter;

-- Multi-column UNIQUE: the pair must be unique; a NULL in either column makes it distinct.
CREATE TABLE seat (id BIGINT PRIMARY KEY, row_ TEXT, num BIGINT, CONSTRAINT seat_pos UNIQUE (row_, num));
INSERT INTO seat VALUES (1, 'A', 1), (2, 'A', 2), (3, 'B', 1);
INSERT INTO seat VALUES (4, 'A', 1);
INSERT INTO seat VALUES (4, 'A', NULL), (5, 'A', NULL), (6, NULL, NULL), (7, NULL, NULL);
SELECT id, row_, num FROM seat ORDER BY id;
UPDATE seat SET num = 2 WHERE id = 3;
UPDATE seat SET row_ = 'A' WHERE id = 3;

-- A multi-row INSERT with one bad row inserts none.
INSERT INTO seat VALUES (10, 'C', 1), (11, 'C', 2), (12, 'C', 1);
SELECT count(*) FROM seat WHERE row_ = 'C';

-- A table-level PRIMARY KEY over two columns.
CREATE TABLE pair (a BIGINT, b BIGINT, v TEXT, PRIMARY KEY (a, b));
INSERT INTO pair VALUES (1, 1, 'x'), (1, 2, 'y'), (2, 1, 'z');
INSERT INTO pair VALUES (1, 2, 'dup');
INSERT INTO pair VALUES (3, NULL, 'null in key');
SELECT a, b, v FROM pair ORDER BY a, b;

-- Definition errors.
CREATE TABLE bad1 (a BIGINT PRIMARY KEY, b BIGINT PRIMARY KEY);
CREATE TABLE bad2 (a BIGINT, a TEXT);
CREATE TABLE bad3 (a BIGINT CHECK (b > 0));
CREATE TABLE bad4 (a BIGINT DEFAULT 'x');
CREATE TABLE bad5 (a BIGINT, UNIQUE (c));
CREATE TABLE bad6 (a BIGINT NULL NOT NULL);
CREATE TABLE bad7 (a BIGINT CHECK (a));
