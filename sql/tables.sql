--
-- tables: every table equals the simulator's ground truth
--
\getenv sim_dir OKTA_SIM_DIR
\getenv sim_url OKTA_SIM_URL
\set ca_file :sim_dir '/ca.pem'
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key \gset
-- users: every user, DEPROVISIONED included (Okta's plain listing omits them)
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) FROM okta.users;
SELECT status, count(*) AS users FROM okta.users GROUP BY status ORDER BY status;
-- the scan was a plain listing plus a listing of the DEPROVISIONED ones
SELECT regexp_replace(l, 'after=[^&]*&', 'after=…&') AS request, count(*) AS requests
FROM sim.log('GET /api/v1/users') AS l GROUP BY 1 ORDER BY 1;
-- no user twice
SELECT count(*) AS duplicates FROM (SELECT id FROM okta.users GROUP BY id HAVING count(*) > 1) d;
-- every column of every row, both ways
SELECT count(*) AS missing FROM (SELECT * FROM sim.users EXCEPT ALL SELECT * FROM okta.users) d;
SELECT count(*) AS extra FROM (SELECT * FROM okta.users EXCEPT ALL SELECT * FROM sim.users) d;
-- profile jsonb is written straight from the page in jsonb's own format: it
-- reads back exactly like jsonb_in's (key lookups binary-search the sorted
-- keys; every 32nd child stores an offset, so objects of more than 32 keys)
SELECT count(*) AS users,
       bool_and(profile = reparsed) AS same_value,
       bool_and(profile::text = reparsed::text) AS same_text,
       bool_and(pg_column_size(profile) = pg_column_size(reparsed)) AS same_size,
       max(n_keys) AS most_keys,
       bool_and(all_found) AS every_key_found
FROM (SELECT u.profile, u.profile::text::jsonb AS reparsed,
             (SELECT count(*) FROM jsonb_object_keys(u.profile)) AS n_keys,
             (SELECT bool_and(u.profile ? k AND u.profile -> k = u.profile::text::jsonb -> k)
              FROM jsonb_object_keys(u.profile::text::jsonb) k) AS all_found
      FROM okta.users u) s;

-- groups
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS all_groups FROM okta.groups;
SELECT count(*) AS missing FROM (SELECT * FROM sim.groups EXCEPT ALL SELECT * FROM okta.groups) d;
SELECT count(*) AS extra FROM (SELECT * FROM okta.groups EXCEPT ALL SELECT * FROM sim.groups) d;
SELECT type, count(*) AS groups FROM okta.groups GROUP BY type ORDER BY type;

-- group_members: one row per membership, with the member's user columns
CREATE TEMP TABLE gm AS SELECT * FROM okta.group_members;
SELECT count(*) = (SELECT count(*) FROM sim.memberships) AS all_memberships FROM gm;
SELECT count(*) AS missing FROM (
  SELECT m.group_id, u.* FROM sim.memberships m JOIN sim.users u ON u.id = m.user_id
  EXCEPT ALL SELECT * FROM gm) d;
SELECT count(*) AS extra FROM (
  SELECT * FROM gm
  EXCEPT ALL SELECT m.group_id, u.* FROM sim.memberships m JOIN sim.users u ON u.id = m.user_id) d;

-- user_groups: the same memberships seen from the user, with group columns
CREATE TEMP TABLE ug AS SELECT * FROM okta.user_groups;
SELECT count(*) AS missing FROM (
  SELECT m.user_id, g.* FROM sim.memberships m JOIN sim.groups g ON g.id = m.group_id
  EXCEPT ALL SELECT * FROM ug) d;
SELECT count(*) AS extra FROM (
  SELECT * FROM ug
  EXCEPT ALL SELECT m.user_id, g.* FROM sim.memberships m JOIN sim.groups g ON g.id = m.group_id) d;

-- many pages: a server with a tiny page size gives the same rows
CREATE SERVER okta_small FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file', page_size '7');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta_small
  OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
CREATE SCHEMA small;
IMPORT FOREIGN SCHEMA okta LIMIT TO (groups, group_members) FROM SERVER okta_small INTO small;
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) AS missing FROM (SELECT * FROM sim.groups EXCEPT ALL SELECT * FROM small.groups) d;
SELECT count(*) > 5 AS many_pages FROM sim.log('GET /api/v1/groups?') AS l;
-- the group with the most members, through several pages of 7
SELECT group_id AS big_group FROM sim.memberships GROUP BY group_id
ORDER BY count(*) DESC LIMIT 1 OFFSET 1 \gset
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) = (SELECT count(*) FROM sim.memberships WHERE group_id = :'big_group') AS all_members
FROM small.group_members WHERE group_id = :'big_group';
SELECT count(*) > 10 AS many_pages FROM sim.log('/users?') AS l;
SELECT count(*) AS missing FROM (
  SELECT m.group_id, u.* FROM sim.memberships m JOIN sim.users u ON u.id = m.user_id
  WHERE m.group_id = :'big_group'
  EXCEPT ALL SELECT * FROM small.group_members WHERE group_id = :'big_group') d;
-- an empty group has no members
SELECT g.id AS empty_group FROM sim.groups g
WHERE NOT EXISTS (SELECT 1 FROM sim.memberships m WHERE m.group_id = g.id) LIMIT 1 \gset
SELECT count(*) FROM small.group_members WHERE group_id = :'empty_group';

-- nasty data comes through unchanged
SELECT count(*) AS with_quotes FROM okta.users WHERE last_name LIKE '%"%' OR first_name LIKE '%"%';
SELECT count(*) AS with_backslash FROM okta.users WHERE last_name LIKE '%\\%' OR first_name LIKE '%\\%';
SELECT count(*) AS with_non_ascii FROM okta.users WHERE first_name ~ '[^\x01-\x7f]' OR last_name ~ '[^\x01-\x7f]';
SELECT count(*) AS with_slash_login FROM okta.users WHERE login LIKE '%/%';

-- column mapping: custom attributes by name, a path column, declared types
CREATE FOREIGN TABLE custom_users (
  id text,
  cost_center_code text,                        -- profile.costCenterCode
  is_contractor boolean,                        -- profile.isContractor
  badge_number bigint,                          -- profile.badgeNumber
  hourly_rate numeric,                          -- profile.hourlyRate
  skills text[],                                -- profile.skills
  start_date date,                              -- profile.startDate
  start_ts timestamptz OPTIONS (path 'profile.startDate'),  -- not Okta's timestamp format
  provider text OPTIONS (path 'credentials.provider.type'),
  type_json jsonb OPTIONS (path 'type'),
  created date,
  no_such_field text
) SERVER okta OPTIONS (object 'users');
SELECT count(*) AS mismatches FROM custom_users c JOIN sim.truth('users') u ON u->>'id' = c.id
WHERE c.cost_center_code IS DISTINCT FROM u->'profile'->>'costCenterCode'
   OR c.is_contractor IS DISTINCT FROM (u->'profile'->>'isContractor')::boolean
   OR c.badge_number IS DISTINCT FROM (u->'profile'->>'badgeNumber')::bigint
   OR c.hourly_rate IS DISTINCT FROM (u->'profile'->>'hourlyRate')::numeric
   OR c.skills IS DISTINCT FROM (SELECT array_agg(s) FROM jsonb_array_elements_text(
                                   CASE WHEN jsonb_typeof(u->'profile'->'skills') = 'array'
                                        THEN u->'profile'->'skills' END) s)
      AND NOT (c.skills = '{}' AND u->'profile'->'skills' = '[]')
   OR c.start_date IS DISTINCT FROM (u->'profile'->>'startDate')::date
   OR c.start_ts IS DISTINCT FROM (u->'profile'->>'startDate')::timestamptz
   OR c.provider IS DISTINCT FROM u->'credentials'->'provider'->>'type'
   OR c.type_json IS DISTINCT FROM u->'type'
   OR c.created IS DISTINCT FROM (u->>'created')::date  -- the UTC date Okta wrote
   OR c.no_such_field IS NOT NULL;
SELECT count(*) FILTER (WHERE is_contractor) AS contractors,
       count(*) FILTER (WHERE cardinality(skills) > 1) AS several_skills,
       count(*) FILTER (WHERE provider <> 'OKTA') AS other_providers
FROM custom_users;

-- a value that does not convert names the table, column, object and value
CREATE FOREIGN TABLE bad_users (id text, status text, login integer) SERVER okta OPTIONS (object 'users');
SELECT * FROM bad_users WHERE status = 'ACTIVE';  -- one listing: the first row is known
CREATE FOREIGN TABLE bad_users2 (id text, status text, email boolean) SERVER okta OPTIONS (object 'users');
SELECT * FROM bad_users2 WHERE status = 'ACTIVE';
-- the backend carries on
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM okta.groups;
