-- An overdraft is refused: CHECK (balance >= 0) fails the UPDATE, the block is failed,
-- and COMMIT rolls it back — alice's money did not move to carol either.
.mode table
BEGIN;
UPDATE accounts SET balance = balance + 1000 WHERE name = 'carol';
UPDATE accounts SET balance = balance - 1000 WHERE name = 'alice';
SELECT 1;
COMMIT;
SELECT name, balance FROM accounts ORDER BY id;
