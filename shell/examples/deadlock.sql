-- A deadlock between two transfers in opposite directions: A locks alice then wants bob,
-- B locks bob then wants alice. The lock manager finds the cycle and rolls back the
-- youngest transaction (B); A goes on and commits. B would retry.
.mode table
.session A
BEGIN;
UPDATE accounts SET balance = balance - 5 WHERE id = 1;
.session B
BEGIN;
UPDATE accounts SET balance = balance - 5 WHERE id = 2;
UPDATE accounts SET balance = balance + 5 WHERE id = 1;
.session A
UPDATE accounts SET balance = balance + 5 WHERE id = 2;
COMMIT;
.wait B
.session B
ROLLBACK;
SELECT name, balance FROM accounts ORDER BY id;
