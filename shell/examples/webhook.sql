-- A payment provider delivers the same webhook twice, at the same moment, to two workers.
-- The unique reference on transfers lets only one of them apply it: the second insert
-- waits for the first transaction, then fails with 23505 and its block rolls back.
.mode table
.session A
BEGIN;
INSERT INTO transfers (ref, src, dst, amount) VALUES ('wh-42', 2, 3, 10);
UPDATE accounts SET balance = balance - 10 WHERE id = 2;
UPDATE accounts SET balance = balance + 10 WHERE id = 3;
.session B
BEGIN;
INSERT INTO transfers (ref, src, dst, amount) VALUES ('wh-42', 2, 3, 10);
UPDATE accounts SET balance = balance - 10 WHERE id = 2;
UPDATE accounts SET balance = balance + 10 WHERE id = 3;
COMMIT;
.session A
COMMIT;
.wait B
SELECT ref, amount FROM transfers WHERE ref = 'wh-42';
SELECT name, balance FROM accounts ORDER BY id;
