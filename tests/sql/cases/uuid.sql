-- UUID: PostgreSQL's input forms, lower-case hyphenated output, keys, gen_random_uuid().
CREATE TABLE u (id UUID PRIMARY KEY, ref UUID UNIQUE, note TEXT);
INSERT INTO u VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', NULL, 'canonical');
INSERT INTO u VALUES ('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', NULL, 'upper case');
INSERT INTO u VALUES ('{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13}', NULL, 'braces');
INSERT INTO u VALUES ('a0eebc999c0b4ef8bb6d6bb9bd380a14', NULL, 'no hyphens');
INSERT INTO u VALUES ('a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a15', NULL, 'hyphen every four');
INSERT INTO u VALUES ('{a0eebc999c0b4ef8bb6d6bb9bd380a16}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'ref');
SELECT id, ref, note FROM u ORDER BY id;

-- Refused input.
SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1'::uuid;
SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111'::uuid;
SELECT ' a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid;
SELECT 'a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11'::uuid;
SELECT '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid;
SELECT 'g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid;
SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-'::uuid;
SELECT 1::uuid;

-- Keys: duplicates refused, lookups and ranges by key.
INSERT INTO u VALUES ('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', NULL, 'dup');
INSERT INTO u VALUES ('00000000-0000-0000-0000-000000000000', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'dup ref');
SELECT note FROM u WHERE id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14';
SELECT note FROM u WHERE id > 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12' AND id <= 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a15' ORDER BY id;
SELECT count(*), count(DISTINCT ref), min(note) FROM u;
SELECT id::text || '!' FROM u WHERE note = 'braces';
SELECT id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::text FROM u;

-- gen_random_uuid(): version 4, different every call, usable as a default.
CREATE TABLE pay (key UUID PRIMARY KEY DEFAULT gen_random_uuid(), amount INTEGER);
INSERT INTO pay (amount) VALUES (1), (2), (3);
SELECT count(DISTINCT key), count(*) FROM pay;
SELECT key::text LIKE '________-____-4___-____-____________' AS v4, length(key::text) FROM pay ORDER BY amount;
SELECT gen_random_uuid() = gen_random_uuid();
SELECT gen_random_uuid(1);
