-- Joins: INNER JOIN ... ON, JOIN without INNER, comma joins with WHERE, three tables, a
-- self-join with aliases, joins with aggregates, and name resolution errors.
CREATE TABLE author (id BIGINT PRIMARY KEY, name TEXT NOT NULL, mentor BIGINT);
CREATE TABLE book (id BIGINT PRIMARY KEY, author_id BIGINT REFERENCES author, title TEXT NOT NULL, year BIGINT);
CREATE TABLE review (id BIGINT PRIMARY KEY, book_id BIGINT REFERENCES book, stars BIGINT);
CREATE INDEX book_author ON book (author_id);
INSERT INTO author VALUES (1, 'Austen', NULL), (2, 'Borges', 1), (3, 'Calvino', 2), (4, 'Duras', 2);
INSERT INTO book VALUES (10, 1, 'Emma', 1815), (11, 1, 'Persuasion', 1817), (12, 2, 'Ficciones', 1944),
  (13, 3, 'Invisible Cities', 1972), (14, NULL, 'Anonymous', NULL);
INSERT INTO review VALUES (100, 10, 5), (101, 10, 4), (102, 12, 5), (103, 13, 3), (104, 14, 1);

SELECT a.name, b.title FROM author a INNER JOIN book b ON b.author_id = a.id ORDER BY b.id;
SELECT a.name, b.title FROM book b JOIN author a ON a.id = b.author_id WHERE b.year < 1900 ORDER BY b.title;
SELECT author.name, book.title FROM author, book WHERE book.author_id = author.id AND author.id = 1 ORDER BY book.title;
-- The join condition with NULL never matches: the anonymous book and Duras are left out.
SELECT count(*) AS pairs FROM author a JOIN book b ON a.id = b.author_id;
-- Cross product.
SELECT count(*) AS cross_ FROM author, book;
SELECT a.id AS a, b.id AS b FROM author a, author b WHERE a.id < b.id AND b.id <= 3 ORDER BY a.id, b.id;

-- Three tables.
SELECT a.name, b.title, r.stars FROM author a JOIN book b ON b.author_id = a.id
  JOIN review r ON r.book_id = b.id ORDER BY r.id;
SELECT a.name, count(*) AS reviews, sum(r.stars) AS stars, avg(r.stars) AS mean
  FROM author a, book b, review r WHERE b.author_id = a.id AND r.book_id = b.id
  GROUP BY a.name ORDER BY a.name;

-- Self-join: each author with their mentor; and mentors of mentors.
SELECT s.name AS student, m.name AS mentor FROM author s JOIN author m ON s.mentor = m.id ORDER BY s.id;
SELECT s.name AS student, g.name AS grand_mentor FROM author s JOIN author m ON s.mentor = m.id
  JOIN author g ON m.mentor = g.id ORDER BY s.id;
SELECT m.name, count(*) AS students FROM author m JOIN author s ON s.mentor = m.id GROUP BY m.name ORDER BY students DESC, m.name;

-- Join conditions beyond equality, ON referring to either side, * over a join.
SELECT b1.title, b2.title FROM book b1 JOIN book b2 ON b1.author_id = b2.author_id AND b1.id < b2.id;
SELECT * FROM author a JOIN book b ON b.author_id = a.id WHERE b.id = 12;
SELECT b.*, a.name FROM author a JOIN book b ON b.author_id = a.id WHERE b.id = 13;
SELECT a.name, b.title FROM author a JOIN book b ON b.year > 1900 AND a.id = 4 ORDER BY b.title;
SELECT DISTINCT a.name FROM author a JOIN book b ON b.author_id = a.id JOIN review r ON r.book_id = b.id
  WHERE r.stars >= 4 ORDER BY a.name;
SELECT a.name, b.title FROM author a JOIN book b ON b.author_id = a.id ORDER BY b.year DESC LIMIT 2;

-- Errors: ambiguous and unknown names, a table twice without alias; LEFT and CROSS JOIN are
-- not in acidb's subset (0A000).
SELECT id FROM author a JOIN book b ON b.author_id = a.id;
SELECT name FROM author a JOIN author b ON a.id = b.mentor;
SELECT * FROM author JOIN author ON true;
SELECT a.nosuch FROM author a;
SELECT b.title FROM author a JOIN book b ON c.id = a.id;
SELECT 1 FROM author a JOIN book b ON b.author_id;
SELECT a.name FROM author a LEFT JOIN book b ON b.author_id = a.id; -- differs from PostgreSQL: outside acidb's subset
SELECT a.name FROM author a CROSS JOIN book b; -- differs from PostgreSQL: outside acidb's subset
