--
-- convert: Okta's JSON values as column values -- keys escaped or long,
-- jsonb written straight from the page (keys in jsonb's order, numbers in
-- numeric's format, duplicate keys), a database that is not UTF-8, and the
-- errors of values that do not convert (the bytes of the jsonb writer are
-- proven in jsonb_bytes)
--
-- the users changed here (cron.sql changes its own)
SELECT id AS uid FROM sim.users WHERE status = 'ACTIVE' ORDER BY id LIMIT 1 \gset
\setenv CONVERT_UID :uid

-- a profile key that Okta sends escaped and longer than the row reader's
-- scratch buffer (130 quotes: 260 bytes escaped) is still found; it used to
-- be skipped (a column reading it was NULL)
\! $OKTA_SIM_CTL update-user "$(/usr/bin/python3 -c 'import json, os; print(json.dumps({"id": os.environ["CONVERT_UID"], "profile": {"long" + chr(34) * 130: "found"}}))')" | grep -c ok
DO $$ BEGIN
  EXECUTE format('CREATE FOREIGN TABLE long_key (id text, v text OPTIONS (path %L)) SERVER okta OPTIONS (object %L)',
                 'profile.long' || repeat('"', 130), 'users');
END $$;
SELECT v FROM long_key WHERE id = :'uid';
SELECT count(v) FROM long_key;

-- jsonb straight from the page: an object's keys are put in jsonb's order
-- by the keys the column's objects held in earlier rows (no sort per row).
-- A profile with more keys than that table holds (300), keys alike in
-- their first seven bytes, an empty key, and the escaped one above: every
-- profile still reads back exactly as jsonb_in makes it
SELECT id AS wide_uid FROM sim.users WHERE status = 'ACTIVE' AND id <> :'uid' ORDER BY id LIMIT 1 \gset
\setenv WIDE_UID :wide_uid
\! $OKTA_SIM_CTL update-user "$(/usr/bin/python3 -c 'import json, os; k = {"k%03d" % i: i for i in range(300)}; k.update({"abcdefgY": 2, "abcdefgX": 1, "abcdefg": 0, "": "empty", "nums": [0, -0.0, 0.05, 100.0, -42, 9999.9999, 10000, 0.0001, 1e-05, 1.5e-07, 1e21, 123456789012345678901234567890, 12345678901234567890123456789012345678901234567890, -1234.5678]}); print(json.dumps({"id": os.environ["WIDE_UID"], "profile": k}))')" | grep -c ok
-- (with login read too: then the row reader marks the profile's keys for
-- the jsonb writer as it looks them up; tables.sql reads profile alone)
SELECT count(*) = (SELECT count(*) FROM sim.users) AS all_users,
       bool_and(login = profile->>'login') AS login_too,
       bool_and(profile = profile::text::jsonb) AS same_value,
       bool_and(profile::text = profile::text::jsonb::text) AS same_text,
       bool_and(pg_column_size(profile) = pg_column_size(profile::text::jsonb)) AS same_size
FROM okta.users;
SELECT (SELECT count(*) FROM jsonb_object_keys(profile)) AS keys, profile->>'' AS empty_key,
       profile->'abcdefgX' AS x, profile->'abcdefgY' AS y, profile->'k299' AS k299
FROM okta.users WHERE id = :'wide_uid';
-- numbers are written in numeric's format directly (exponents and long
-- ones by numeric_in): the same values and scales as jsonb_in's (and the
-- same bytes: the sizes above)
SELECT n, n = n::text::jsonb AS same
FROM okta.users, jsonb_array_elements(profile->'nums') n WHERE id = :'wide_uid';
-- keys sent twice (JSON allows it, Okta does not do it): the later value is
-- kept, by a column and inside jsonb alike
\! $OKTA_SIM_CTL bad-body duplicate-keys:1000 | grep -c ok
SELECT count(*) = (SELECT count(*) FROM sim.users) - 2 AS all_others,
       bool_and(u.login = s.login AND u.profile->>'login' = s.login) AS later_login_kept,
       bool_and(u.profile->'department' IS NOT DISTINCT FROM
                coalesce(s.profile->'department', '{"a": [1, 2]}')) AS later_department_kept,
       bool_and(u.profile = u.profile::text::jsonb AND
                pg_column_size(u.profile) = pg_column_size(u.profile::text::jsonb)) AS same_as_jsonb_in
FROM okta.users u JOIN sim.users s USING (id)
WHERE u.id NOT IN (:'uid', :'wide_uid');
\! $OKTA_SIM_CTL reset >/dev/null

-- a value that does not convert: an error naming the table, the column, the
-- Okta object and the value, the reason in the detail (convert.c's own
-- reasons and an input function's alike)
SELECT id AS rate_uid FROM sim.users
  WHERE (profile->>'hourlyRate')::numeric <> trunc((profile->>'hourlyRate')::numeric) ORDER BY id LIMIT 1 \gset
CREATE FOREIGN TABLE rate_users (id text, hourly_rate integer) SERVER okta OPTIONS (object 'users');
SELECT * FROM rate_users WHERE id = :'rate_uid';
SELECT sim.try(format('SELECT * FROM rate_users WHERE id = %L', :'rate_uid'));
CREATE FOREIGN TABLE rate_users2 (id text, hourly_rate timestamptz) SERVER okta OPTIONS (object 'users');
SELECT * FROM rate_users2 WHERE id = :'rate_uid';
-- a string inside a jsonb value that cannot be text is the value shown
\! $OKTA_SIM_CTL update-user "{\"id\": \"$CONVERT_UID\", \"profile\": {\"nul\": \"a\\u0000b\"}}" | grep -c ok
SELECT profile->'nul' FROM okta.users WHERE id = :'uid';
CREATE FOREIGN TABLE nul_users (id text, nul text) SERVER okta OPTIONS (object 'users');
SELECT nul FROM nul_users WHERE id = :'uid';
\! $OKTA_SIM_CTL update-user "{\"id\": \"$CONVERT_UID\", \"profile\": {\"nul\": \"restored\"}}" | grep -c ok
SELECT nul FROM nul_users WHERE id = :'uid';
-- any other error in a column's conversion (here a domain's check) keeps
-- its message, with a context line naming the column and the object
CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 5);
CREATE FOREIGN TABLE short_users (id text, login short_text) SERVER okta OPTIONS (object 'users');
SELECT login FROM short_users WHERE id = :'uid';

-- a database that is not UTF-8: strings, keys and jsonb are converted from
-- Okta's UTF-8; a character the database cannot hold is an error naming the
-- column, the value shown with \u escapes (showing it used to fail in turn,
-- with the bare conversion error)
SELECT sim.log_count() AS latin1_before \gset
CREATE DATABASE oktafdw_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c oktafdw_latin1
SET client_encoding = 'UTF8';
\getenv sim_url OKTA_SIM_URL
\getenv sim_dir OKTA_SIM_DIR
\set ca_file :sim_dir '/ca.pem'
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key \gset
CREATE EXTENSION oktafdw;
CREATE SERVER okta FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
CREATE SCHEMA okta;
IMPORT FOREIGN SCHEMA okta LIMIT TO (users) FROM SERVER okta INTO okta;
SELECT first_name, last_name, city, profile->>'city' AS profile_city,
       profile->'firstName' AS first_name_json, profile = profile::text::jsonb AS same_jsonb,
       length(last_name) AS chars, octet_length(last_name) AS latin1_bytes
FROM okta.users WHERE login IN ('jose.muller@example.com', 'zoe.angstrom@example.com') ORDER BY login;
SELECT first_name, title FROM okta.users WHERE login = 'percent.amp@example.com';
SELECT first_name FROM okta.users WHERE login = 'watanabe.kenta@example.com';
-- empty strings, which need no conversion (they used to be read on to the
-- end of the page: a conversion returns such a string as it was, not
-- NUL-terminated)
SELECT title = '' AS title_empty, nick_name = '' AS nick_name_empty,
       profile->'department' AS department_json, profile = profile::text::jsonb AS same_jsonb
FROM okta.users WHERE login = 'empty.strings@example.com';
-- pushed values go to Okta in UTF-8, not in the database's encoding
-- ('ü' as %C3%BC, not LATIN1's %FC, which Okta answers with no rows): in a
-- filter, a search, a lookup; EXPLAIN shows them in the database's encoding
SELECT login, first_name, last_name FROM okta.users WHERE last_name = 'Müller';
SELECT login FROM okta.users WHERE last_name LIKE 'Ångs%' AND city IS NOT NULL;
SELECT login FROM okta.users WHERE login IN ('jose.muller@example.com', 'josé.müller@example.com');
EXPLAIN (COSTS OFF) SELECT login FROM okta.users WHERE last_name = 'Müller';
\c contrib_regression
DROP DATABASE oktafdw_latin1;
-- what the simulator saw (its log has the query decoded as UTF-8; a value
-- sent in LATIN1 is refused as not UTF-8, logged as sent)
SELECT * FROM sim.log_since(:latin1_before) l WHERE l ~* 'lastName|ller';
