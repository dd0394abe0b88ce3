--
-- setup: the extension, a server for the Okta simulator, a user mapping with
-- an API Services app's key, and the imported schema -- as a user writes it.
--
\getenv sim_dir OKTA_SIM_DIR
\getenv sim_url OKTA_SIM_URL
\set ca_file :sim_dir '/ca.pem'
CREATE EXTENSION oktafdw;
SELECT oktafdw_version();
-- (a query, not \dx: psql 18's \dx has one more column)
SELECT extname, extversion, extnamespace::regnamespace AS schema,
       obj_description(oid, 'pg_extension') AS description
FROM pg_extension WHERE extname = 'oktafdw';

CREATE SERVER okta FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file');
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key \gset
CREATE USER MAPPING FOR CURRENT_USER SERVER okta
  OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
CREATE SCHEMA okta;
IMPORT FOREIGN SCHEMA okta FROM SERVER okta INTO okta;
\det okta.*

-- test helpers: where the simulator keeps its files, its request log, and
-- its ground truth
SELECT current_database() AS dbname \gset
ALTER DATABASE :"dbname" SET oktafdw_test.sim_dir TO :'sim_dir';
SET oktafdw_test.sim_dir TO :'sim_dir';
\getenv sim_ctl OKTA_SIM_CTL
ALTER DATABASE :"dbname" SET oktafdw_test.sim_ctl TO :'sim_ctl';
SET oktafdw_test.sim_ctl TO :'sim_ctl';
CREATE SCHEMA sim;
-- the simulator's request log since the last sim.clear_log(), API calls only
CREATE FUNCTION sim.log(pattern text DEFAULT '') RETURNS SETOF text
LANGUAGE sql AS $$
  SELECT l FROM regexp_split_to_table(
      coalesce(pg_read_file(current_setting('oktafdw_test.sim_dir') || '/requests.log', 0, 1000000000, true), ''), E'\n')
      WITH ORDINALITY AS t(l, n)
  WHERE l <> '' AND l LIKE '%' || pattern || '%'
  ORDER BY n
$$;
CREATE FUNCTION sim.truth(name text) RETURNS SETOF jsonb
LANGUAGE sql AS $$
  SELECT jsonb_array_elements(
      pg_read_file(current_setting('oktafdw_test.sim_dir') || '/' || name || '.json')::jsonb)
$$;
-- what okta.users must return, computed from the simulator's own data (the
-- views read its files as they are now, the tables as they were at the start)
CREATE VIEW sim.users_now AS
SELECT u->>'id' AS id, u->>'status' AS status,
       (u->>'created')::timestamptz AS created,
       (u->>'activated')::timestamptz AS activated,
       (u->>'statusChanged')::timestamptz AS status_changed,
       (u->>'lastLogin')::timestamptz AS last_login,
       (u->>'lastUpdated')::timestamptz AS last_updated,
       (u->>'passwordChanged')::timestamptz AS password_changed,
       u->>'transitioningToStatus' AS transitioning_to_status,
       u->'type'->>'id' AS type_id,
       p->>'login' AS login, p->>'email' AS email, p->>'secondEmail' AS second_email,
       p->>'firstName' AS first_name, p->>'lastName' AS last_name,
       p->>'middleName' AS middle_name, p->>'honorificPrefix' AS honorific_prefix,
       p->>'honorificSuffix' AS honorific_suffix, p->>'title' AS title,
       p->>'displayName' AS display_name, p->>'nickName' AS nick_name,
       p->>'profileUrl' AS profile_url, p->>'primaryPhone' AS primary_phone,
       p->>'mobilePhone' AS mobile_phone, p->>'streetAddress' AS street_address,
       p->>'city' AS city, p->>'state' AS state, p->>'zipCode' AS zip_code,
       p->>'countryCode' AS country_code, p->>'postalAddress' AS postal_address,
       p->>'preferredLanguage' AS preferred_language, p->>'locale' AS locale,
       p->>'timezone' AS timezone, p->>'userType' AS user_type,
       p->>'employeeNumber' AS employee_number, p->>'costCenter' AS cost_center,
       p->>'organization' AS organization, p->>'division' AS division,
       p->>'department' AS department, p->>'managerId' AS manager_id,
       p->>'manager' AS manager,
       CASE WHEN jsonb_typeof(p) = 'object' THEN p END AS profile
FROM sim.truth('users') AS u, LATERAL (SELECT u->'profile' AS p) AS x;
CREATE VIEW sim.groups_now AS
SELECT g->>'id' AS id, (g->>'created')::timestamptz AS created,
       (g->>'lastUpdated')::timestamptz AS last_updated,
       (g->>'lastMembershipUpdated')::timestamptz AS last_membership_updated,
       g->>'type' AS type,
       ARRAY(SELECT jsonb_array_elements_text(g->'objectClass')) AS object_class,
       g->'profile'->>'name' AS name, g->'profile'->>'description' AS description,
       g->'profile' AS profile
FROM sim.truth('groups') AS g;
CREATE VIEW sim.memberships_now AS
SELECT m->>'group_id' AS group_id, m->>'user_id' AS user_id
FROM sim.truth('memberships') AS m;
CREATE TABLE sim.users AS SELECT * FROM sim.users_now;
CREATE TABLE sim.groups AS SELECT * FROM sim.groups_now;
CREATE TABLE sim.memberships AS SELECT * FROM sim.memberships_now;
SELECT (SELECT count(*) FROM sim.users) AS users,
       (SELECT count(*) FROM sim.groups) AS groups,
       (SELECT count(*) FROM sim.memberships) AS memberships;
-- a simulator control action from SQL (COPY FROM PROGRAM, as superuser):
-- its JSON reply
CREATE FUNCTION sim.ctl(args text) RETURNS jsonb LANGUAGE plpgsql
SET client_min_messages = warning AS $$
DECLARE
  out text;
BEGIN
  DROP TABLE IF EXISTS sim_ctl_out;
  CREATE TEMP TABLE sim_ctl_out (line text);
  EXECUTE format('COPY sim_ctl_out FROM PROGRAM %L WITH (FORMAT csv, DELIMITER E''\x01'', QUOTE E''\x02'')',
                 current_setting('oktafdw_test.sim_ctl') || ' ' || args);
  SELECT string_agg(line, E'\n') INTO out FROM sim_ctl_out;
  RETURN out::jsonb;
END $$;

-- the org as seeded again, and this backend's clients (tokens, budgets)
-- forgotten: where a test starts afresh
CREATE FUNCTION sim.fresh() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM sim.ctl('reset');
  PERFORM okta_reset();
  RETURN true;
END $$;

-- rows of the mirror that the truth does not have, and the other way
-- round, every column, as EXCEPT ALL both ways; the truth files are read
-- once (sim.truth_now) for the mirrors compared after it
CREATE PROCEDURE sim.truth_now() LANGUAGE plpgsql
SET client_min_messages = warning AS $$
BEGIN
  DROP TABLE IF EXISTS truth_users, truth_groups, truth_memberships;
  CREATE TEMP TABLE truth_users AS SELECT * FROM sim.users_now;
  CREATE TEMP TABLE truth_groups AS SELECT * FROM sim.groups_now;
  CREATE TEMP TABLE truth_memberships AS SELECT * FROM sim.memberships_now;
END $$;
CREATE FUNCTION sim.mirror_diff_now(target name, OUT users bigint, OUT groups bigint,
                                    OUT memberships bigint)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*) FROM ((TABLE %1$I.users EXCEPT ALL TABLE truth_users) '
                 'UNION ALL (TABLE truth_users EXCEPT ALL TABLE %1$I.users)) d', target) INTO users;
  EXECUTE format('SELECT count(*) FROM ((TABLE %1$I.groups EXCEPT ALL TABLE truth_groups) '
                 'UNION ALL (TABLE truth_groups EXCEPT ALL TABLE %1$I.groups)) d', target) INTO groups;
  EXECUTE format('SELECT count(*) FROM ((TABLE %1$I.group_members EXCEPT ALL TABLE truth_memberships) '
                 'UNION ALL (TABLE truth_memberships EXCEPT ALL TABLE %1$I.group_members)) d',
                 target) INTO memberships;
END $$;
CREATE FUNCTION sim.mirror_diff(target name, OUT users bigint, OUT groups bigint,
                                OUT memberships bigint)
LANGUAGE plpgsql AS $$
BEGIN
  CALL sim.truth_now();
  SELECT * INTO users, groups, memberships FROM sim.mirror_diff_now(target);
END $$;

-- EXPLAIN ANALYZE's lines the same on every version: 18 prints the actual
-- rows with two decimals (shown here as 15 to 17 do) and turns BUFFERS on
CREATE FUNCTION sim.explain_analyze(q text, show_verbose boolean DEFAULT false)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  l text;
  stmt text := format('EXPLAIN (ANALYZE, VERBOSE %s, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY OFF) %s',
                      CASE WHEN show_verbose THEN 'on' ELSE 'off' END, q);
BEGIN
  FOR l IN EXECUTE stmt LOOP
    RETURN NEXT regexp_replace(l, '\m(rows=\d+)\.00\M', '\1', 'g');
  END LOOP;
END $$;
-- EXPLAIN (COSTS OFF) with a join's "Filter: (a = b)" written with its two
-- sides in sorted order (PostgreSQL 15 and 17 print some of them commuted)
CREATE FUNCTION sim.plan(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  l text;
  m text[];
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    m := regexp_match(l, '^(\s*Filter: \()([\w.]+) = ([\w.]+)\)$');
    IF m IS NOT NULL THEN
      l := m[1] || least(m[2], m[3]) || ' = ' || greatest(m[2], m[3]) || ')';
    END IF;
    RETURN NEXT l;
  END LOOP;
END $$;
-- run a statement; show its SQLSTATE, message, detail and hint, with the
-- ids Okta makes up per request masked
CREATE FUNCTION sim.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; det text; hnt text; ctx text;
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
      det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
  RETURN st || ': ' || msg
      || coalesce(E'\nDETAIL: ' || nullif(regexp_replace(det, '(errorId|X-Okta-Request-Id) [^) ]+', '\1 …', 'g'), ''), '')
      || coalesce(E'\nHINT: ' || nullif(hnt, ''), '');
END $$;
-- the request log by position, to see what one statement asked for
CREATE FUNCTION sim.log_count() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM sim.log()
$$;
-- distinct API requests after position n, sorted (listings run side by
-- side, so arrival order is not fixed), cursors masked
CREATE FUNCTION sim.log_since(n bigint) RETURNS SETOF text LANGUAGE sql AS $$
  SELECT DISTINCT regexp_replace(l, 'after=[^&]*&', '') AS r
  FROM sim.log() WITH ORDINALITY AS t(l, i)
  WHERE i > n AND l LIKE '%/api/%'
  ORDER BY 1
$$;
-- run a query on Okta and its ground-truth twin; say whether they agree and
-- which requests the first one made
CREATE FUNCTION sim.compare(q text, truth text, OUT same boolean, OUT nrows bigint, OUT requests text)
LANGUAGE plpgsql AS $$
DECLARE
  before bigint := sim.log_count();
  got text;
  want text;
BEGIN
  EXECUTE format('SELECT md5(coalesce(string_agg(x::text, %L ORDER BY x::text), %L)), count(*) FROM (%s) x',
                 E'\n', '', q) INTO got, nrows;
  requests := (SELECT string_agg(l, E'\n') FROM sim.log_since(before) l);
  EXECUTE format('SELECT md5(coalesce(string_agg(x::text, %L ORDER BY x::text), %L)) FROM (%s) x',
                 E'\n', '', truth) INTO want;
  same := got = want;
END $$;
