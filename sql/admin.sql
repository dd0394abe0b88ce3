--
-- admin: every way an Okta admin hands over credentials, okta_check(),
-- okta_stats(), okta_reset(), and custom profile attributes
--
\getenv sim_dir OKTA_SIM_DIR
\getenv sim_url OKTA_SIM_URL
\set ca_file :sim_dir '/ca.pem'
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key,
       pg_read_file(:'sim_dir' || '/client-ec.pem') AS ec_key,
       pg_read_file(:'sim_dir' || '/client-ec-sec1.pem') AS ec_sec1_key,
       pg_read_file(:'sim_dir' || '/other-rsa.pem') AS other_key,
       pg_read_file(:'sim_dir' || '/clients.json')::jsonb->>'api_token' AS api_token \gset
CREATE FUNCTION make_server(srv text, opts text DEFAULT '') RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url %L, ca_file %L %s)',
                 srv, current_setting('oktafdw_test.url'), current_setting('oktafdw_test.ca'), opts);
  EXECUTE format('CREATE FOREIGN TABLE %I (id text, name text) SERVER %I OPTIONS (object ''groups'')',
                 'g_' || srv, srv);
END $$;
SELECT set_config('oktafdw_test.url', :'sim_url', false), set_config('oktafdw_test.ca', :'ca_file', false) \gset
-- the columns of okta_check() that do not change from run to run
CREATE FUNCTION check_server(srv name) RETURNS TABLE (ok boolean, auth_method text, scopes text,
  token_ok boolean, rate_limit_seen boolean, latency_ok boolean, message text)
LANGUAGE sql AS $$
  SELECT ok, auth_method, scopes, token_expires_in BETWEEN 3000 AND 3600,
         rate_limit_remaining BETWEEN 0 AND 9999, latency_ms > 0, message
  FROM okta_check(srv)
$$;
\x on

-- EC P-256 key: ES256 client assertions, with and without DPoP
SELECT make_server('ec');
CREATE USER MAPPING FOR CURRENT_USER SERVER ec OPTIONS (client_id '0oaec', private_key :'ec_key', key_id 'e1');
SELECT * FROM check_server('ec');
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_ec;
SELECT make_server('ec_dpop');
CREATE USER MAPPING FOR CURRENT_USER SERVER ec_dpop OPTIONS (client_id '0oaecdpop', private_key :'ec_sec1_key', key_id 'e1');
SELECT * FROM check_server('ec_dpop');
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_ec_dpop;

-- a legacy API token
SELECT make_server('token');
CREATE USER MAPPING FOR CURRENT_USER SERVER token OPTIONS (api_token :'api_token');
SELECT * FROM check_server('token');
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_token;
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_token;
SELECT * FROM sim.log() AS l;
-- a wrong API token
SELECT make_server('bad_token');
CREATE USER MAPPING FOR CURRENT_USER SERVER bad_token OPTIONS (api_token '00notTheToken');
SELECT * FROM check_server('bad_token');
SELECT sim.try('SELECT count(*) FROM g_bad_token');

-- a key file on the server (superuser only), read when first used
SELECT make_server('key_file');
\set key_file :sim_dir '/client-rsa.pem'
CREATE USER MAPPING FOR CURRENT_USER SERVER key_file
  OPTIONS (client_id '0oaplain', private_key_file :'key_file', key_id 'k1');
SELECT * FROM check_server('key_file');
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_key_file;
-- bad key files are refused when written
\set key_file :sim_dir '/client-rsa-encrypted.pem'
ALTER USER MAPPING FOR CURRENT_USER SERVER key_file OPTIONS (SET private_key_file :'key_file');
\set key_file :sim_dir '/client-rsa-pub.pem'
ALTER USER MAPPING FOR CURRENT_USER SERVER key_file OPTIONS (SET private_key_file :'key_file');
ALTER USER MAPPING FOR CURRENT_USER SERVER key_file OPTIONS (SET private_key_file '/nonexistent/key.pem');
-- ... and so are encrypted keys given inline
SELECT pg_read_file(:'sim_dir' || '/client-rsa-encrypted.pem') AS enc_key \gset
SELECT make_server('enc');
CREATE USER MAPPING FOR CURRENT_USER SERVER enc OPTIONS (client_id 'x', private_key :'enc_key');
-- a non-superuser may not point at server files
CREATE ROLE regress_okta_user;
GRANT USAGE ON FOREIGN SERVER key_file TO regress_okta_user;
SET ROLE regress_okta_user;
CREATE USER MAPPING FOR CURRENT_USER SERVER key_file
  OPTIONS (client_id '0oaplain', private_key_file '/etc/passwd');
-- ... nor choose which CAs to trust
RESET ROLE;
GRANT USAGE ON FOREIGN DATA WRAPPER oktafdw TO regress_okta_user;
SET ROLE regress_okta_user;
CREATE SERVER mine FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', ca_file '/tmp/evil-ca.pem');
-- other roles' credentials stay hidden (PostgreSQL's rules for pg_user_mappings)
SELECT srvname, usename, umoptions FROM pg_user_mappings WHERE srvname IN ('key_file', 'token') ORDER BY srvname;
RESET ROLE;
-- a non-superuser with a mapping of their own (given inline) reads through a server a superuser set up
CREATE USER MAPPING FOR regress_okta_user SERVER key_file
  OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
GRANT SELECT ON g_key_file TO regress_okta_user;
SELECT count(*) AS n_groups FROM sim.groups \gset
SET ROLE regress_okta_user;
SELECT count(*) = :n_groups AS ok FROM g_key_file;
RESET ROLE;

-- okta_check never throws for an auth failure: it says what is wrong
SELECT make_server('adm_wrong_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER adm_wrong_key OPTIONS (client_id '0oaplain', private_key :'other_key', key_id 'k1');
SELECT * FROM check_server('adm_wrong_key');
SELECT make_server('adm_dpop_off', ', dpop ''off''');
CREATE USER MAPPING FOR CURRENT_USER SERVER adm_dpop_off OPTIONS (client_id '0oadpop', private_key :'rsa_key', key_id 'k1');
SELECT * FROM check_server('adm_dpop_off');
SELECT make_server('adm_no_role');
CREATE USER MAPPING FOR CURRENT_USER SERVER adm_no_role OPTIONS (client_id '0oanorole', private_key :'rsa_key', key_id 'k1');
SELECT * FROM check_server('adm_no_role');
SELECT make_server('adm_no_scope');
CREATE USER MAPPING FOR CURRENT_USER SERVER adm_no_scope OPTIONS (client_id '0oausersonly', private_key :'rsa_key', key_id 'k1');
SELECT * FROM check_server('adm_no_scope');
-- the DPoP-required app with default options
SELECT make_server('dpop');
CREATE USER MAPPING FOR CURRENT_USER SERVER dpop OPTIONS (client_id '0oadpop', private_key :'rsa_key', key_id 'k1');
SELECT * FROM check_server('dpop');
\x off
-- not an oktafdw server
CREATE FOREIGN DATA WRAPPER other_fdw;
CREATE SERVER not_okta FOREIGN DATA WRAPPER other_fdw;
SELECT * FROM okta_check('not_okta');
-- okta_check makes a server authenticate: only for roles with USAGE on it,
-- even when a PUBLIC mapping would give every role credentials
SELECT make_server('adm_public');
CREATE USER MAPPING FOR PUBLIC SERVER adm_public OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
CREATE ROLE regress_okta_stranger;
SELECT sim.log_count() AS n0 \gset
SET ROLE regress_okta_stranger;
SELECT ok FROM okta_check('adm_public');
RESET ROLE;
SELECT count(*) AS token_requests FROM sim.log() WITH ORDINALITY AS t(l, i)
WHERE i > :n0 AND l LIKE '%/oauth2/v1/token%';
GRANT USAGE ON FOREIGN SERVER adm_public TO regress_okta_stranger;
SET ROLE regress_okta_stranger;
SELECT ok, message FROM okta_check('adm_public');
RESET ROLE;
SELECT count(*) AS token_requests FROM sim.log() WITH ORDINALITY AS t(l, i)
WHERE i > :n0 AND l LIKE '%/oauth2/v1/token%';
DROP USER MAPPING FOR PUBLIC SERVER adm_public;
REVOKE USAGE ON FOREIGN SERVER adm_public FROM regress_okta_stranger;
DROP ROLE regress_okta_stranger;

-- okta_stats: what this backend's scans did
SELECT okta_reset();
SELECT count(*) FROM okta.groups;
SELECT count(*) = (SELECT count(*) FROM sim.memberships WHERE group_id = (SELECT id FROM sim.groups ORDER BY id LIMIT 1))
FROM okta.group_members WHERE group_id = (SELECT id FROM sim.groups ORDER BY id LIMIT 1);
SELECT sim.try('SELECT count(*) FROM g_adm_wrong_key');
SELECT server, object, requests, pages, rows, bytes > 0 AS bytes, retries, throttled_ms, errors, token_requests
FROM okta_stats() ORDER BY server, object;
SELECT okta_reset();
SELECT count(*) FROM okta_stats();

-- custom profile attributes: imported when the server may read the user schema
CREATE SCHEMA plain_import;
IMPORT FOREIGN SCHEMA okta LIMIT TO (users) FROM SERVER okta INTO plain_import;
SELECT make_server('schema', ', scopes ''okta.users.read okta.groups.read okta.schemas.read''');
CREATE USER MAPPING FOR CURRENT_USER SERVER schema OPTIONS (client_id '0oaschema', private_key :'rsa_key', key_id 'k1');
CREATE SCHEMA custom;
IMPORT FOREIGN SCHEMA okta FROM SERVER schema INTO custom;
SELECT attname, format_type(atttypid, atttypmod), attfdwoptions
FROM pg_attribute WHERE attrelid = 'custom.users'::regclass AND attnum > 42 ORDER BY attnum;
-- their comments: the path, the user schema's title (and description)
SELECT attname, col_description(attrelid, attnum)
FROM pg_attribute WHERE attrelid = 'custom.users'::regclass AND attnum > 42 ORDER BY attnum;
SELECT count(*) AS mismatches FROM custom.users c JOIN sim.truth('users') u ON u->>'id' = c.id
WHERE c.cost_center_code IS DISTINCT FROM u->'profile'->>'costCenterCode'
   OR c.is_contractor IS DISTINCT FROM (u->'profile'->>'isContractor')::boolean
   OR c.badge_number IS DISTINCT FROM (u->'profile'->>'badgeNumber')::bigint
   OR c.hourly_rate IS DISTINCT FROM (u->'profile'->>'hourlyRate')::numeric
   OR c.start_date IS DISTINCT FROM u->'profile'->>'startDate'
   OR to_jsonb(c.skills) IS DISTINCT FROM CASE WHEN jsonb_typeof(u->'profile'->'skills') = 'array' THEN u->'profile'->'skills' END;
SELECT count(*) FILTER (WHERE is_contractor) AS contractors, count(*) FILTER (WHERE cardinality(skills) > 0) AS skills
FROM custom.users;
-- IMPORT wrote each attribute's type option: their quals are pushed down,
-- and give the truth's rows
EXPLAIN (COSTS OFF) SELECT id FROM custom.users WHERE badge_number > 500000 AND is_contractor;
SELECT count(*) = (SELECT count(*) FROM sim.truth('users') u
                   WHERE (u->'profile'->>'badgeNumber')::bigint > 500000
                     AND (u->'profile'->>'isContractor')::boolean) AS same
FROM custom.users WHERE badge_number > 500000 AND is_contractor;
-- the schema read fails: a NOTICE, and the standard columns
SELECT make_server('schema_denied', ', scopes ''okta.users.read okta.groups.read okta.schemas.read''');
CREATE USER MAPPING FOR CURRENT_USER SERVER schema_denied OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
CREATE SCHEMA denied;
IMPORT FOREIGN SCHEMA okta LIMIT TO (users) FROM SERVER schema_denied INTO denied;
SELECT count(*) AS columns FROM pg_attribute WHERE attrelid = 'denied.users'::regclass AND attnum > 0;

-- okta_check says what is wrong, as a row with ok = false and a hint, for
-- each mistake a new set-up makes; only a role without USAGE on the server
-- gets an error (above).  The transport's words (libcurl's, each version its
-- own) and the time taken are left out.
CREATE FUNCTION check_message(srv name) RETURNS TABLE (ok boolean, message text)
LANGUAGE sql AS $$
  SELECT ok, regexp_replace(message,
                            '^(could not reach Okta|request to Okta timed out)(:.*)?(; \d+ attempts?) in [0-9.]+ s\.',
                            '\1: …\3 in … s.')
  FROM okta_check(srv)
$$;
\x on
-- no user mapping for this role
SELECT make_server('adm_unmapped');
CREATE ROLE regress_okta_unmapped;
GRANT USAGE ON FOREIGN SERVER adm_unmapped TO regress_okta_unmapped;
SET ROLE regress_okta_unmapped;
SELECT ok, org_url = current_setting('oktafdw_test.url') AS org_url, auth_method, scopes,
       token_expires_in, rate_limit_remaining, latency_ms, message
FROM okta_check('adm_unmapped');
RESET ROLE;
REVOKE USAGE ON FOREIGN SERVER adm_unmapped FROM regress_okta_unmapped;
DROP ROLE regress_okta_unmapped;
-- the Admin Console's address, from before the validator refused it (here
-- written straight into the catalog): nothing is sent, a scan fails too
SELECT make_server('adm_console');
CREATE USER MAPPING FOR CURRENT_USER SERVER adm_console OPTIONS (api_token :'api_token');
UPDATE pg_foreign_server SET srvoptions = ARRAY['org_url=https://acme-admin.okta.com']
WHERE srvname = 'adm_console';
SELECT ok, org_url, message FROM okta_check('adm_console');
SELECT sim.try('SELECT count(*) FROM g_adm_console');
-- TLS: the simulator's certificate without its CA (the system's trust
-- store), with a ca_file of another CA (as behind a TLS-inspecting proxy),
-- with a ca_file that is missing
CREATE SERVER adm_untrusted FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER adm_untrusted OPTIONS (api_token :'api_token');
SELECT * FROM check_message('adm_untrusted');
\set wrong_ca :sim_dir '/other-ca.pem'
CREATE SERVER adm_wrong_ca FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url', ca_file :'wrong_ca');
CREATE USER MAPPING FOR CURRENT_USER SERVER adm_wrong_ca OPTIONS (api_token :'api_token');
SELECT * FROM check_message('adm_wrong_ca');
CREATE SERVER adm_no_ca FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url', ca_file '/nonexistent/ca.pem');
CREATE USER MAPPING FOR CURRENT_USER SERVER adm_no_ca OPTIONS (api_token :'api_token');
SELECT * FROM check_message('adm_no_ca');
-- a refused connection (nothing listens on port 1): at once, one attempt,
-- although the server's max_retries (5 by default) would make a scan retry
CREATE SERVER adm_refused FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url 'https://127.0.0.1:1');
CREATE USER MAPPING FOR CURRENT_USER SERVER adm_refused OPTIONS (api_token :'api_token');
SELECT * FROM check_message('adm_refused');
-- a proxy that is not there (the org is not a loopback host, so the proxy
-- is used; nothing resolves acme.okta.com here: the proxy would)
CREATE SERVER adm_proxy FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url 'https://acme.okta.com', proxy 'http://127.0.0.1:1', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER adm_proxy OPTIONS (api_token :'api_token');
SELECT * FROM check_message('adm_proxy');
\x off
