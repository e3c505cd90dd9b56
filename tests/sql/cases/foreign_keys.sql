-- FOREIGN KEY in both directions: a child row needs its parent; a parent with children can be
-- neither deleted nor re-keyed (NO ACTION); a key may reference a UNIQUE non-PK column; a table
-- may reference itself. NULL in the referencing column is always allowed.
CREATE TABLE customer (id BIGINT PRIMARY KEY, email TEXT UNIQUE NOT NULL, name TEXT);
CREATE TABLE orders (
  id BIGINT PRIMARY KEY,
  customer_id BIGINT REFERENCES customer,
  contact TEXT REFERENCES customer (email),
  total BIGINT NOT NULL
);
INSERT INTO customer VALUES (1, 'ann@example.com', 'Ann'), (2, 'bo@example.com', 'Bo');

-- Child side: the parent must exist (by primary key and by the UNIQUE email column).
INSERT INTO orders VALUES (10, 1, 'ann@example.com', 50);
INSERT INTO orders VALUES (11, 3, NULL, 20);
INSERT INTO orders VALUES (11, 2, 'cy@example.com', 20);
INSERT INTO orders VALUES (11, NULL, NULL, 20);
INSERT INTO orders VALUES (12, 2, 'bo@example.com', 30);
UPDATE orders SET customer_id = 99 WHERE id = 10;
UPDATE orders SET contact = 'nobody' WHERE id = 12;
UPDATE orders SET customer_id = 2 WHERE id = 10;
SELECT id, customer_id, contact, total FROM orders ORDER BY id;

-- Parent side: referenced rows cannot go away or change their key.
DELETE FROM customer WHERE id = 2;
UPDATE customer SET id = 20 WHERE id = 2;
UPDATE customer SET email = 'ann@new.example' WHERE id = 1;
-- Changing a non-key column of a referenced row is fine; so is re-keying an unreferenced row.
UPDATE customer SET name = 'Bo B.' WHERE id = 2;
INSERT INTO customer VALUES (3, 'cy@example.com', 'Cy');
UPDATE customer SET id = 30, email = 'cy@new.example' WHERE id = 3;
DELETE FROM customer WHERE id = 30;
-- Once the children are gone the parent can go.
DELETE FROM orders WHERE customer_id = 2;
DELETE FROM customer WHERE id = 2;
SELECT id, email, name FROM customer ORDER BY id;

-- Child first, then parent, in two statements.
INSERT INTO customer VALUES (4, 'di@example.com', 'Di');
INSERT INTO orders VALUES (13, 4, 'di@example.com', 5);
DELETE FROM orders WHERE id = 13;
DELETE FROM customer WHERE id = 4;

-- Table constraint form with a name, a multi-column key, and the referenced table dropped last.
CREATE TABLE region (country TEXT, code TEXT, PRIMARY KEY (country, code));
CREATE TABLE office (id BIGINT PRIMARY KEY, country TEXT, code TEXT,
  CONSTRAINT office_region_fk FOREIGN KEY (country, code) REFERENCES region (country, code));
INSERT INTO region VALUES ('FR', 'IDF'), ('DE', 'BY');
INSERT INTO office VALUES (1, 'FR', 'IDF'), (2, 'DE', NULL);
INSERT INTO office VALUES (3, 'FR', 'BY');
DELETE FROM region WHERE country = 'FR';
DELETE FROM region WHERE country = 'DE';
SELECT country, code FROM region ORDER BY country;

-- Self-reference: an employee's manager is an employee.
CREATE TABLE emp (id BIGINT PRIMARY KEY, name TEXT NOT NULL, boss BIGINT REFERENCES emp (id));
INSERT INTO emp VALUES (1, 'ceo', NULL);
INSERT INTO emp VALUES (2, 'cto', 1), (3, 'dev', 2);
INSERT INTO emp VALUES (4, 'ghost', 40);
INSERT INTO emp VALUES (5, 'self', 5);
INSERT INTO emp VALUES (7, 'early', 6), (6, 'late', 1);
DELETE FROM emp WHERE id = 2;
DELETE FROM emp WHERE id = 5;
DELETE FROM emp WHERE id IN (3, 7);
-- NO ACTION is checked at the end of the statement: a boss and their only report go together.
INSERT INTO emp VALUES (8, 'lead', 1), (9, 'intern', 8);
DELETE FROM emp WHERE id IN (8, 9);
-- ... and a boss may not be re-keyed while someone still points at the old key.
UPDATE emp SET id = 60 WHERE id = 6;
UPDATE emp SET id = 10 WHERE id = 1;
SELECT id, name, boss FROM emp ORDER BY id;
SELECT e.name AS employee, m.name AS manager FROM emp e JOIN emp m ON e.boss = m.id ORDER BY e.id;

-- Definition errors: the referenced table, column or key must exist and be unique.
CREATE TABLE bad1 (x BIGINT REFERENCES nosuch);
CREATE TABLE bad2 (x BIGINT REFERENCES customer (nosuch));
CREATE TABLE bad3 (x TEXT REFERENCES customer (name));
CREATE TABLE bad4 (x TEXT REFERENCES customer);
CREATE TABLE bad5 (x BIGINT, FOREIGN KEY (x, x) REFERENCES region);
-- A referenced table cannot be dropped; the referencing one can, then the other.
DROP TABLE customer;
DROP INDEX customer_email_key;
DROP TABLE orders;
DROP TABLE customer;
DROP TABLE emp;
