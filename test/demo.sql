-- make demo: what a new user would type, against the Okta simulator
-- ($OKTA_SIM_URL, its files in $OKTA_SIM_DIR).  test/demo.sh runs it;
-- test/demo_secrets.sh runs it too and checks its output.
\set QUIET on
\pset footer off
\pset null '(null)'
\getenv sim_dir OKTA_SIM_DIR
\getenv sim_url OKTA_SIM_URL
\set ca_file :sim_dir '/ca.pem'
-- the key by its file's name (private_key_file, superuser only), so that the
-- echoed statements show no key; a user mapping can also hold the PEM text
-- itself: OPTIONS (client_id '...', private_key '-----BEGIN PRIVATE KEY-----...')
\set key_file :sim_dir '/client-rsa.pem'
\echo '--- 1. set-up, as an Okta admin hands it over: the org, a client id, a key and its id'
\echo '---    (the app requires DPoP, like every API Services app made since 2024: the default'
\echo '---    dpop ''auto'' handles it; scopes: what the app was granted)'
\set ECHO queries
CREATE EXTENSION oktafdw;
CREATE SERVER okta FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file',
           scopes 'okta.users.read okta.groups.read okta.schemas.read okta.logs.read');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta
  OPTIONS (client_id '0oademo', private_key_file :'key_file', key_id 'k1');
\set ECHO none
\echo
\echo '--- 2. does it work?  okta_check gets a token and lists one user (never throws: ok = false says why)'
\set ECHO queries
\x on
SELECT * FROM okta_check('okta');
\x off
\set ECHO none
\echo
\echo '--- 3. the tables, custom profile attributes included (okta.schemas.read)'
\set ECHO queries
CREATE SCHEMA okta;
IMPORT FOREIGN SCHEMA okta FROM SERVER okta INTO okta;
\set ECHO none
\dE okta.*
\set ECHO queries
SELECT login, cost_center_code, is_contractor, badge_number, hourly_rate, skills, start_date
FROM okta.users WHERE department = 'Research' ORDER BY login LIMIT 4;
\set ECHO none
\echo
\echo '--- 4. users by status (DEPROVISIONED included)'
\set ECHO queries
SELECT status, count(*) FROM okta.users GROUP BY status ORDER BY count(*) DESC;
\set ECHO none
\echo
\echo '--- 5. pushdown: the WHERE clause becomes an Okta search, shown by EXPLAIN'
\set ECHO queries
EXPLAIN (COSTS OFF)
SELECT login, last_login FROM okta.users
WHERE status = 'ACTIVE' AND last_login < now() - interval '90 days';
SELECT login, display_name, last_login FROM okta.users
WHERE status = 'ACTIVE' AND last_login < now() - interval '90 days'
ORDER BY last_login LIMIT 5;
\set ECHO none
\echo
\echo '--- 6. a join: the members of one group, one request for the group and one for its members'
\set ECHO queries
EXPLAIN (COSTS OFF)
SELECT u.login, u.title, u.department FROM okta.groups g
  JOIN okta.group_members u ON u.group_id = g.id
WHERE g.name = 'Finance Team';
SELECT u.login, u.title, u.department FROM okta.groups g
  JOIN okta.group_members u ON u.group_id = g.id
WHERE g.name = 'Finance Team' ORDER BY u.login LIMIT 5;
\set ECHO none
\echo
\echo '--- 7. the System Log (okta.logs.read): the last failed sign-ins; the time range, the'
\echo '---    filter and the order go to Okta'
\set ECHO queries
EXPLAIN (COSTS OFF)
SELECT published, actor_alternate_id, client_ip, outcome_reason FROM okta.system_log
WHERE published > now() - interval '1 day'
  AND event_type = 'user.session.start' AND outcome_result = 'FAILURE'
ORDER BY published DESC LIMIT 5;
SELECT published, actor_alternate_id, client_ip, outcome_reason FROM okta.system_log
WHERE published > now() - interval '1 day'
  AND event_type = 'user.session.start' AND outcome_result = 'FAILURE'
ORDER BY published DESC LIMIT 5;
\set ECHO none
