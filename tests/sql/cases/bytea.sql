-- BYTEA: hex and escape input, hex output, length, encode / decode, keys.
CREATE TABLE b (id INTEGER PRIMARY KEY, data BYTEA);
INSERT INTO b VALUES (1, '\xdeadbeef'), (2, '\x'), (3, 'abc'), (4, '\x00FF 10'), (5, 'a\\b\000c\377');
INSERT INTO b VALUES (6, NULL);
SELECT id, data, length(data), octet_length(data) FROM b ORDER BY id;

-- Input errors.
SELECT '\xabc'::bytea;
SELECT '\xzz'::bytea;
SELECT '\x0 1'::bytea;
SELECT 'a\b'::bytea;
SELECT '\400'::bytea;
SELECT 1::bytea;

-- Output and casts.
SELECT '\x41'::bytea::text, 'A'::bytea, CAST('\x' AS bytea) AS empty;
SELECT '\x01'::bytea || '\x02'::bytea AS cat, '\x01'::bytea || '\x0304' AS cat_unknown;
SELECT data || 'x' FROM b WHERE id = 3;

-- encode / decode.
SELECT encode('\xdeadbeef'::bytea, 'hex'), encode('\xdeadbeef'::bytea, 'base64'), encode('a\\b\000\377'::bytea, 'escape');
SELECT encode('abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz'::bytea, 'base64');
SELECT encode('abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcde'::bytea, 'BASE64');
SELECT decode('DEADbeef', 'hex'), decode('3q2+7w==', 'base64'), decode('YQ==', 'base64');
SELECT decode('YQ', 'base64');
SELECT decode('YWJj ZGVm', 'base64'), decode('a\\b\101', 'escape'), decode('', 'hex');
SELECT decode('3q2+7w=', 'base64');
SELECT decode('3q*2', 'base64');
SELECT decode('=abc', 'base64');
SELECT decode('abc', 'hex');
SELECT decode('abc', 'rot13');
SELECT encode(data, 'hex') FROM b ORDER BY id;

-- Comparisons and keys: bytewise, a proper prefix first.
SELECT '\x01'::bytea < '\x0100'::bytea, '\xff'::bytea > '\x00ff'::bytea, 'abc'::bytea = '\x616263';
CREATE TABLE kb (k BYTEA PRIMARY KEY, v INTEGER);
CREATE INDEX kb_v ON kb (v);
INSERT INTO kb VALUES ('\x00', 1), ('\x', 2), ('\x0000', 3), ('\xff', 4), ('\x00ff', 5), ('\x01', 6);
INSERT INTO kb VALUES ('\x00ff', 7);
SELECT k, v FROM kb ORDER BY k;
SELECT k FROM kb WHERE k > '\x00' AND k < '\xff' ORDER BY k;
SELECT k FROM kb WHERE k = '\x0000';
SELECT count(DISTINCT k), min(k), max(k) FROM kb;
SELECT data = 'x' FROM b WHERE id = 1;
SELECT data = 'x'::text FROM b WHERE id = 1;
