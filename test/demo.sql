\pset footer off
\echo '--- set-up, as an Okta admin hands it over: client id, private key, key id'
\getenv sim_dir OKTA_SIM_DIR
\getenv sim_url OKTA_SIM_URL
\set ca_file :sim_dir '/ca.pem'
-- the key by its file's name (private_key_file, superuser only), so that the
-- echoed statements show no key; a user mapping can also hold the PEM text
-- itself: OPTIONS (client_id '...', private_key '-----BEGIN PRIVATE KEY-----...')
\set key_file :sim_dir '/client-rsa.pem'
\set ECHO queries
CREATE EXTENSION oktafdw;
CREATE SERVER okta FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file');
-- this app requires DPoP, like every API Services app made in the Admin Console since 2024:
-- nothing to configure, the default dpop 'auto' handles it
CREATE USER MAPPING FOR CURRENT_USER SERVER okta
  OPTIONS (client_id '0oadpop', private_key_file :'key_file', key_id 'k1');
CREATE SCHEMA okta;
IMPORT FOREIGN SCHEMA okta FROM SERVER okta INTO okta;
\set ECHO none
\echo
\echo '--- users by status (DEPROVISIONED included)'
\set ECHO queries
SELECT status, count(*) FROM okta.users GROUP BY status ORDER BY count(*) DESC;
\set ECHO none
\echo
\echo '--- active users who have not logged in for 90 days'
\set ECHO queries
SELECT login, display_name, last_login
FROM okta.users
WHERE status = 'ACTIVE' AND (last_login IS NULL OR last_login < now() - interval '90 days')
ORDER BY last_login NULLS FIRST LIMIT 5;
\set ECHO none
\echo
\echo '--- the biggest groups'
\set ECHO queries
SELECT g.name, g.type, count(m.user_id) AS members
FROM okta.groups g LEFT JOIN okta.group_members m ON m.group_id = g.id
GROUP BY g.name, g.type ORDER BY members DESC LIMIT 5;
\set ECHO none
\echo
\echo '--- one user, fetched with a single request'
\set ECHO queries
SELECT id AS some_id FROM okta.users WHERE status = 'ACTIVE' LIMIT 1 \gset
EXPLAIN (COSTS OFF) SELECT login, status FROM okta.users WHERE id = :'some_id';
SELECT login, status, created, profile->>'costCenterCode' AS cost_center_code
FROM okta.users WHERE id = :'some_id';
SELECT name, type FROM okta.user_groups WHERE user_id = :'some_id' ORDER BY name;
\set ECHO none
\echo
\echo '--- a materialized view of the directory, refreshed on a schedule'
\set ECHO queries
CREATE MATERIALIZED VIEW directory AS
  SELECT id, login, email, status, department, last_login FROM okta.users;
CREATE UNIQUE INDEX ON directory (id);
REFRESH MATERIALIZED VIEW CONCURRENTLY directory;
SELECT department, count(*) FROM directory WHERE status = 'ACTIVE'
GROUP BY department ORDER BY count(*) DESC LIMIT 5;
