-- The bank: accounts that may never go negative, transfers with a unique payment reference.
-- A transfer is two updates and an insert in one transaction; an overdraft is refused by the
-- CHECK (23514) and a replayed payment by the UNIQUE reference (23505) — and in both cases
-- nothing of the transfer remains.
CREATE TABLE accounts (
  id BIGINT PRIMARY KEY,
  owner TEXT NOT NULL UNIQUE,
  balance BIGINT NOT NULL DEFAULT 0 CONSTRAINT no_overdraft CHECK (balance >= 0)
);
CREATE TABLE transfers (
  id BIGSERIAL PRIMARY KEY,
  ref TEXT NOT NULL UNIQUE,
  src BIGINT NOT NULL REFERENCES accounts (id),
  dst BIGINT NOT NULL REFERENCES accounts (id),
  amount BIGINT NOT NULL CHECK (amount > 0),
  CHECK (src <> dst)
);
CREATE INDEX transfers_src ON transfers (src);
INSERT INTO accounts (id, owner, balance) VALUES (1, 'alice', 1000), (2, 'bob', 500);
INSERT INTO accounts (id, owner) VALUES (3, 'carol');
SELECT id, owner, balance FROM accounts ORDER BY id;

-- Alice pays Bob 300.
BEGIN;
UPDATE accounts SET balance = balance - 300 WHERE id = 1;
UPDATE accounts SET balance = balance + 300 WHERE id = 2;
INSERT INTO transfers (ref, src, dst, amount) VALUES ('pay-001', 1, 2, 300) RETURNING id, ref;
COMMIT;
SELECT id, owner, balance FROM accounts ORDER BY id;

-- Carol tries to pay Alice 50 with an empty account: the CHECK refuses, the block fails,
-- COMMIT answers ROLLBACK, and no money moved.
BEGIN;
UPDATE accounts SET balance = balance + 50 WHERE id = 1;
UPDATE accounts SET balance = balance - 50 WHERE id = 3;
INSERT INTO transfers (ref, src, dst, amount) VALUES ('pay-002', 3, 1, 50);
COMMIT;
SELECT id, owner, balance FROM accounts ORDER BY id;

-- The payment provider delivers pay-001 twice: the second insert is a duplicate reference.
-- The application inserts the transfer first, so the duplicate stops it before any balance moves.
BEGIN;
INSERT INTO transfers (ref, src, dst, amount) VALUES ('pay-001', 1, 2, 300);
UPDATE accounts SET balance = balance - 300 WHERE id = 1;
ROLLBACK;
SELECT id, owner, balance FROM accounts ORDER BY id;
SELECT count(*) AS transfers FROM transfers;

-- A transfer to oneself, a zero amount, an unknown account.
INSERT INTO transfers (ref, src, dst, amount) VALUES ('pay-003', 1, 1, 10);
INSERT INTO transfers (ref, src, dst, amount) VALUES ('pay-003', 1, 2, 0);
INSERT INTO transfers (ref, src, dst, amount) VALUES ('pay-003', 1, 9, 10);

-- Bob pays Carol everything he has, in autocommit statements (each its own transaction).
UPDATE accounts SET balance = balance - 800 WHERE id = 2 AND balance >= 800;
UPDATE accounts SET balance = balance + 800 WHERE id = 3;
INSERT INTO transfers (ref, src, dst, amount) VALUES ('pay-004', 2, 3, 800);
-- One more cent is an overdraft.
UPDATE accounts SET balance = balance - 1 WHERE id = 2;

-- Money is conserved: 1500 in total, nobody negative, the ledger explains every balance.
SELECT sum(balance) AS total, min(balance) AS lowest FROM accounts;
SELECT a.owner, a.balance, 0 + coalesce(sum(t.amount), 0) AS sent
  FROM accounts a JOIN transfers t ON t.src = a.id GROUP BY a.owner, a.balance ORDER BY a.owner;
SELECT t.ref, s.owner AS from_, d.owner AS to_, t.amount FROM transfers t
  JOIN accounts s ON s.id = t.src JOIN accounts d ON d.id = t.dst ORDER BY t.id;
-- An account with history cannot be closed.
DELETE FROM accounts WHERE id = 2;
-- Interest for everyone, in one statement; then the rich pay a fee with RETURNING.
UPDATE accounts SET balance = balance + balance / 100;
UPDATE accounts SET balance = balance - 5 WHERE balance > 700 RETURNING owner, balance;
SELECT id, owner, balance FROM accounts ORDER BY id;
