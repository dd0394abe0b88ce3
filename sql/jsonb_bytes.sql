--
-- jsonb_bytes: the jsonb writer (src/jsonb_write.c), which writes jsonb's
-- and numeric's on-disk bytes straight from the JSON tape, proven byte for
-- byte against jsonb_in (and numbers against numeric_in): hand-written edge
-- cases, then 100,000 seeded random documents and 100,000 numbers, then
-- documents in a LATIN1 database.  The writer runs in the test-only module
-- oktafdw_test (test/jsonb/), installed by the test scripts only.
--
CREATE EXTENSION oktafdw_test;
SHOW server_encoding;

-- writer and jsonb_in, byte for byte
CREATE FUNCTION jb_same(doc text, order_table integer DEFAULT 0,
                        reader_marks boolean DEFAULT false, fresh boolean DEFAULT false)
RETURNS boolean LANGUAGE sql AS $$
  SELECT okta_test_jsonb(doc, order_table, reader_marks, fresh) = okta_test_raw(doc::jsonb)
$$;

-- the bytes themselves, for a few small values
SELECT doc, encode(okta_test_jsonb(doc), 'hex') AS writer,
       encode(okta_test_raw(doc::jsonb), 'hex') AS jsonb_in
FROM (VALUES ('1'), ('"x"'), ('[true, null]'), ('{"b": -1.50, "a": {}}')) v(doc);

-- hand-written edge cases: each alone, then through a key-order table
-- (fresh, with the row reader's marks) and through one table kept across
-- them all (as a scan keeps a column's, the writer marking the keys)
CREATE TEMP TABLE hand (n serial, doc text);
INSERT INTO hand (doc) VALUES
  -- scalars at the top, empty containers, nesting
  ('0'), ('-0'), ('"x"'), ('""'), ('null'), ('true'), ('false'), ('[]'), ('{}'),
  ('[[], {}, [[]], {"": {}}]'), (repeat('[', 63) || '1' || repeat(']', 63)),
  (repeat('{"a":', 62) || '{}' || repeat('}', 62)),
  -- every escape, surrogate pairs, non-BMP characters sent raw
  ('"\" \\ \/ \b \f \n \r \t"'), ('"\u0041\u00e9\u00E9\u20ac\uFFFF\u001f\u007f"'),
  ('"\ud83d\ude00\uD834\uDD1E\udbff\udfff"'), ('"😀𝄞􏿿 é € /"'),
  ('{"\u00e9": 1, "é": 2, "\/": 3, "/": 4}'),
  -- numbers of every form
  ('[0, -0, 0.0, -0.0, 0.000, -0.000, 0e0, -0E-0, 1e-400, 1E+400, -1e400, 1e-1000]'),
  ('[1.5e-07, 1e21, 1E+05, 100, 10000, 100000000, 0.0001, 0.00010, 0.1000, 9999.9999]'),
  ('[1234567890123456789012345678901234567890, 12345678901234567890123456789012345678901]'),
  ('[0.000000000000000000000000000000000000001, 0.0000000000000000000000000000000000000001]'),
  ('[-1234567890.123456789012345678901234567890, 4.9406564584124654e-324, 1.7976931348623157e308]'),
  -- keys sent twice: the later one is kept, escaped or not
  ('{"a": 1, "a": 2}'), ('{"a": 1, "b": 2, "a": 3}'), ('{"a": {"x": 1}, "a": [2]}'),
  ('{"abc": 1, "a\u0062c": 2}'), ('{"a\u0062c": 1, "abc": 2}'), ('{"": 1, "": 2}'),
  -- jsonb's key order: shorter first, then bytewise; alike in 7 bytes
  ('{"bb": 1, "a": 2, "ccc": 3, "é": 4, "": 5, "z": 6}'),
  ('{"abcdefgY": 2, "abcdefgX": 1, "abcdefg": 0, "abcdefh": 3, "abcdefG": 4, "abcdefgXY": 5}'),
  ('{"xxxxxxxy": 1, "xxxxxxxx": 2, "xxxxxxx": 3, "\u00ff": 4, "\u007f": 5}'),
  -- long keys (255 bytes and over: compared in full)
  (format('{"%s": 1, "%s": 2, "%s": 3, "%s": 4, "a": 5}', repeat('k', 256), repeat('k', 255),
          repeat('k', 254), repeat('k', 254) || 'j')),
  (format('{"%s": 1, "%s": 2}', repeat('k', 300) || 'b', repeat('k', 300) || 'a')),
  -- more keys than a key-order table holds (256), more key bytes (8192);
  -- more children than a JEntry stride (32)
  ((SELECT '{' || string_agg(format('"k%s": %s', i, i), ', ' ORDER BY i DESC) || '}'
    FROM generate_series(1, 300) i)),
  ((SELECT '{' || string_agg(format('"%s": %s', repeat(chr(64 + i % 26), 200 + i), i), ', ') || '}'
    FROM generate_series(1, 45) i)),
  ((SELECT '[' || string_agg(i::text, ', ') || ']' FROM generate_series(1, 100) i)),
  ((SELECT '{' || string_agg(format('"%s": "%s"', i, repeat('v', i)), ', ') || '}'
    FROM generate_series(1, 40) i)),
  -- white space around every token
  (E' \t\n{ "a" :\r[ 1 , "x" , { } ] , "b":null }\n ');
SELECT n, left(doc, 60) AS doc, jb_same(doc) AS same,
       jb_same(doc, 1, true, true) AS fresh_table_marked,
       jb_same(doc, 2) AS kept_table
FROM hand ORDER BY n;

-- what the tape and jsonb_in refuse, each with its own message: the same
-- texts, but for nesting deeper than the tape's 64 levels
SELECT left(doc, 16) AS doc, split_part(sim.try(format('SELECT okta_test_jsonb(%L)', doc)), E'\n', 1) AS writer,
       split_part(sim.try(format('SELECT %L::jsonb', doc)), E'\n', 1) AS jsonb_in
FROM (VALUES ('"\u0000"'), ('{"a\u0000": 1}'), ('1e1000000'), ('01'), ('1.'), ('.5'),
             ('[1,]'), ('"\ud800"'), ('"\udc00\ud800"'), ('{"a" 1}'), ('"a'),
             (repeat('[', 70) || repeat(']', 70))) v(doc);

-- 100,000 seeded random documents (test/jsonb/oktafdw_test.c: nested
-- values, every escape, raw UTF-8 up to U+10FFFF, every number form, keys
-- sent twice and escaped or not, long, empty and alike keys, objects drawn
-- from key pools through key-order tables kept across documents, objects
-- that overflow a table, scalars at the top).  A document whose bytes
-- differ is shown; none should.
SELECT okta_test_reset();
CREATE TEMP TABLE mismatch AS
SELECT i, d.* FROM generate_series(1, 100000) i, okta_test_doc(20250607, i) d
WHERE okta_test_jsonb(d.doc, d.order_table, d.reader_marks, d.fresh)
      IS DISTINCT FROM okta_test_raw(d.doc::jsonb);
SELECT count(*) AS mismatches FROM mismatch;
SELECT i, order_table, reader_marks, fresh, left(doc, 3000) AS doc FROM mismatch ORDER BY i LIMIT 3;
-- the writer's paths the documents took, and how full the tables got
SELECT path, documents FROM okta_test_paths();
SELECT sum(documents) AS documents FROM okta_test_paths();
SELECT t AS order_table, (okta_test_table(t)).* FROM generate_series(1, 6) t;

-- 100,000 seeded random numbers against numeric_in; how many the writer
-- wrote itself (the others are numeric_in's)
CREATE TEMP TABLE num_mismatch AS
SELECT i, n FROM generate_series(1, 100000) i, okta_test_number(20250607, i) n
WHERE okta_test_numeric(n) IS DISTINCT FROM okta_test_raw(n::numeric);
SELECT count(*) AS mismatches FROM num_mismatch;
SELECT i, n FROM num_mismatch ORDER BY i LIMIT 3;
SELECT count(*) FILTER (WHERE okta_test_numeric_direct(n)) AS written_directly,
       count(*) AS numbers
FROM generate_series(1, 100000) i, okta_test_number(20250607, i) n;

-- a database that is not UTF-8: strings and keys converted from the tape's
-- UTF-8 (no key-order table there, as in a scan); code points up to U+00FF
CREATE DATABASE oktafdw_bytes_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c oktafdw_bytes_latin1
SET client_encoding = 'UTF8';
CREATE EXTENSION oktafdw_test;
SELECT doc, okta_test_jsonb(doc) = okta_test_raw(doc::jsonb) AS same
FROM (VALUES ('""'), ('{"": ""}'), ('"é\u00e9\u00ff"'), ('{"é": 1, "\u00e9": 2, "e": 3, "ÿ": 4}')) v(doc);
SELECT okta_test_jsonb('"\u0100"');
-- jsonb_in refuses it too (its wording differs between versions: only the
-- SQLSTATE is shown)
DO $$
BEGIN
  PERFORM '"\u0100"'::jsonb;
EXCEPTION WHEN untranslatable_character THEN
  RAISE NOTICE 'jsonb_in: untranslatable_character';
END $$;
CREATE TEMP TABLE mismatch AS
SELECT i, d.doc FROM generate_series(1, 10000) i, okta_test_doc(20250607, i, true) d
WHERE okta_test_jsonb(d.doc) IS DISTINCT FROM okta_test_raw(d.doc::jsonb);
SELECT count(*) AS mismatches FROM mismatch;
SELECT i, left(doc, 3000) AS doc FROM mismatch ORDER BY i LIMIT 3;
\c contrib_regression
DROP DATABASE oktafdw_bytes_latin1;
