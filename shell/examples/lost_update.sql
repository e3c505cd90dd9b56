-- Lost update prevented: two sessions read alice's balance and both want to add to it.
-- Under strict two-phase locking the second writer waits for the first to commit, then
-- adds to the new balance: no deposit is lost.
.mode table
.session A
BEGIN;
SELECT balance FROM accounts WHERE id = 1 FOR UPDATE;
UPDATE accounts SET balance = balance + 10 WHERE id = 1;
.session B
BEGIN;
SELECT balance FROM accounts WHERE id = 1 FOR UPDATE;
UPDATE accounts SET balance = balance + 20 WHERE id = 1;
COMMIT;
.session A
COMMIT;
.wait B
SELECT balance FROM accounts WHERE id = 1;
