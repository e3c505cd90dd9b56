-- The atomic transfer: both balances change, or neither does.
-- Run on the demo bank: acidb --demo bank.db, then .read shell/examples/transfer.sql
.mode table
BEGIN;
UPDATE accounts SET balance = balance - 30 WHERE name = 'alice';
UPDATE accounts SET balance = balance + 30 WHERE name = 'bob';
INSERT INTO transfers (ref, src, dst, amount) VALUES ('tr-0001', 1, 2, 30);
COMMIT;
SELECT name, balance FROM accounts ORDER BY id;
SELECT sum(balance) AS total FROM accounts;
