--
-- secrets: run everything that handles a credential -- every way
-- authentication can fail, the faults, the validator, EXPLAIN -- with the
-- client and the server log at debug5.  test/secrets.sh then looks for every
-- private key, API token, client assertion, DPoP proof and access token of
-- the run in this output and in the server log (SPEC 2: "No error message,
-- log line, EXPLAIN output or function result ever contains a key, token,
-- assertion or access token").
--
-- Runs after sql/setup.sql (schema okta, sim.try, sim.log, ...).  Keys and
-- tokens are passed in psql variables, which psql -a echoes unexpanded, so
-- only the CREATE/ALTER USER MAPPING statements carry a credential in their
-- text, and only top-level ones (in a PL/pgSQL EXECUTE, PostgreSQL would put
-- the statement text into the CONTEXT of every message raised while it runs).
-- log_min_error_statement stays at its default (error): when the validator
-- refuses a user mapping, PostgreSQL logs the failing statement -- with the
-- key in it -- unless the extension's error says errhidestmt(); the
-- validator cases below check that (test/secrets.sh reports STATEMENT
-- records of the server log separately).  No statement here fails for a
-- reason of PostgreSQL's own with a credential in its text.
--
SET client_min_messages = debug5;
SET log_min_messages = debug5;
SET log_error_verbosity = verbose;
\set VERBOSITY verbose
\set SHOW_CONTEXT always
\getenv sim_dir OKTA_SIM_DIR
\getenv sim_url OKTA_SIM_URL
\set ca_file :sim_dir '/ca.pem'
\set rsa_file :sim_dir '/client-rsa.pem'
\set pub_file :sim_dir '/client-rsa-pub.pem'
\set encrypted_file :sim_dir '/client-rsa-encrypted.pem'
\set cert_file :sim_dir '/ca.pem'
-- the canary: a line that must reach both this output and the server log
SELECT set_config('oktafdw_test.canary', :'canary', false) IS NOT NULL AS canary_set;
DO $$ BEGIN RAISE DEBUG 'secrets canary start %', current_setting('oktafdw_test.canary'); END $$;

SELECT set_config('oktafdw_test.url', :'sim_url', false) IS NOT NULL AS ok,
       set_config('oktafdw_test.ca', :'ca_file', false) IS NOT NULL AS ok;
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key,
       pg_read_file(:'sim_dir' || '/client-rsa-pkcs1.pem') AS rsa1_key,
       pg_read_file(:'sim_dir' || '/client-rsa2.pem') AS rsa2_key,
       pg_read_file(:'sim_dir' || '/other-rsa.pem') AS other_key,
       pg_read_file(:'sim_dir' || '/client-ec.pem') AS ec_key \gset
-- one server per case, with a groups and a users table; the user mapping is
-- made by a top-level statement (in a PL/pgSQL EXECUTE, PostgreSQL would
-- put its text, key included, into the CONTEXT of every message raised
-- while it runs: debug5 shows that)
CREATE FUNCTION make_case(srv text, srvopts text DEFAULT '', url text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url %L, ca_file %L %s)',
                 srv, coalesce(url, current_setting('oktafdw_test.url')),
                 current_setting('oktafdw_test.ca'), srvopts);
  EXECUTE format('CREATE FOREIGN TABLE %I (id text, name text) SERVER %I OPTIONS (object ''groups'')',
                 'g_' || srv, srv);
  EXECUTE format('CREATE FOREIGN TABLE %I (id text, login text, status text) SERVER %I OPTIONS (object ''users'')',
                 'u_' || srv, srv);
END $$;

-- every case of sql/auth.sql, the failures at top level so that they are logged
SELECT make_case('plain');
CREATE USER MAPPING FOR CURRENT_USER SERVER plain
  OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
SELECT count(*) > 0 AS ok FROM g_plain;
SELECT make_case('pkcs1');
CREATE USER MAPPING FOR CURRENT_USER SERVER pkcs1
  OPTIONS (client_id '0oaplain', private_key :'rsa1_key');
SELECT count(*) > 0 AS ok FROM g_pkcs1;
SELECT make_case('dpop_auto');
CREATE USER MAPPING FOR CURRENT_USER SERVER dpop_auto
  OPTIONS (client_id '0oadpop', private_key :'rsa_key', key_id 'k1');
SELECT count(*) > 0 AS ok FROM g_dpop_auto;
SELECT make_case('dpop_on', ', dpop ''on''');
CREATE USER MAPPING FOR CURRENT_USER SERVER dpop_on
  OPTIONS (client_id '0oadpop', private_key :'rsa_key', key_id 'k1');
SELECT count(*) > 0 AS ok FROM g_dpop_on;
SELECT make_case('dpop_off', ', dpop ''off''');
CREATE USER MAPPING FOR CURRENT_USER SERVER dpop_off
  OPTIONS (client_id '0oadpop', private_key :'rsa_key', key_id 'k1');
SELECT count(*) FROM g_dpop_off;
\! $OKTA_SIM_CTL rotate-nonce >/dev/null
\! $OKTA_SIM_CTL expire-tokens >/dev/null
SELECT count(*) > 0 AS ok FROM g_dpop_on;
SELECT count(*) > 0 AS ok FROM g_plain;
\! $OKTA_SIM_CTL dpop-skew 600 >/dev/null
SELECT make_case('dpop_skewed');
CREATE USER MAPPING FOR CURRENT_USER SERVER dpop_skewed
  OPTIONS (client_id '0oadpop', private_key :'rsa_key', key_id 'k1');
SELECT count(*) FROM g_dpop_skewed;
\! $OKTA_SIM_CTL dpop-skew 0 >/dev/null
SELECT make_case('ec');
CREATE USER MAPPING FOR CURRENT_USER SERVER ec
  OPTIONS (client_id '0oaec', private_key :'ec_key', key_id 'e1');
SELECT count(*) > 0 AS ok FROM g_ec;
SELECT make_case('ec_dpop');
CREATE USER MAPPING FOR CURRENT_USER SERVER ec_dpop
  OPTIONS (client_id '0oaecdpop', private_key :'ec_key', key_id 'e1');
SELECT count(*) > 0 AS ok FROM g_ec_dpop;
SELECT make_case('wrong_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER wrong_key
  OPTIONS (client_id '0oaplain', private_key :'other_key', key_id 'k1');
SELECT count(*) FROM g_wrong_key;
SELECT make_case('wrong_kid');
CREATE USER MAPPING FOR CURRENT_USER SERVER wrong_kid
  OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'nope');
SELECT count(*) FROM g_wrong_kid;
SELECT make_case('no_kid_multi');
CREATE USER MAPPING FOR CURRENT_USER SERVER no_kid_multi
  OPTIONS (client_id '0oamulti', private_key :'rsa_key');
SELECT count(*) FROM g_no_kid_multi;
SELECT make_case('multi');
CREATE USER MAPPING FOR CURRENT_USER SERVER multi
  OPTIONS (client_id '0oamulti', private_key :'rsa2_key', key_id 'k2');
SELECT count(*) > 0 AS ok FROM g_multi;
SELECT make_case('unknown_client');
CREATE USER MAPPING FOR CURRENT_USER SERVER unknown_client
  OPTIONS (client_id '0oanosuchapp', private_key :'rsa_key', key_id 'k1');
SELECT count(*) FROM g_unknown_client;
SELECT make_case('wrong_aud', '', replace(current_setting('oktafdw_test.url'), 'localhost', '127.0.0.1'));
CREATE USER MAPPING FOR CURRENT_USER SERVER wrong_aud
  OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
SELECT count(*) FROM g_wrong_aud;
SELECT make_case('no_scope');
CREATE USER MAPPING FOR CURRENT_USER SERVER no_scope
  OPTIONS (client_id '0oausersonly', private_key :'rsa_key', key_id 'k1');
SELECT count(*) FROM g_no_scope;
SELECT make_case('users_only', ', scopes ''okta.users.read''');
CREATE USER MAPPING FOR CURRENT_USER SERVER users_only
  OPTIONS (client_id '0oausersonly', private_key :'rsa_key', key_id 'k1');
SELECT count(*) FROM g_users_only;
SELECT make_case('no_role');
CREATE USER MAPPING FOR CURRENT_USER SERVER no_role
  OPTIONS (client_id '0oanorole', private_key :'rsa_key', key_id 'k1');
SELECT count(*) FROM g_no_role;
SELECT make_case('ec_wrong');
CREATE USER MAPPING FOR CURRENT_USER SERVER ec_wrong
  OPTIONS (client_id '0oaplain', private_key :'ec_key', key_id 'k1');
SELECT count(*) FROM g_ec_wrong;
CREATE SERVER untrusted FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER untrusted OPTIONS (client_id '0oaplain', private_key :'rsa_key');
CREATE FOREIGN TABLE g_untrusted (id text) SERVER untrusted OPTIONS (object 'groups');
SELECT count(*) FROM g_untrusted;

-- the key from a file on the server (superuser)
CREATE SERVER keyfile FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER keyfile
  OPTIONS (client_id '0oaplain', private_key_file :'rsa_file', key_id 'k1');
CREATE FOREIGN TABLE g_keyfile (id text) SERVER keyfile OPTIONS (object 'groups');
SELECT count(*) > 0 AS ok FROM g_keyfile;
ALTER USER MAPPING FOR CURRENT_USER SERVER keyfile
  OPTIONS (SET private_key_file :'pub_file');
ALTER USER MAPPING FOR CURRENT_USER SERVER keyfile
  OPTIONS (SET private_key_file :'encrypted_file');
ALTER USER MAPPING FOR CURRENT_USER SERVER keyfile
  OPTIONS (SET private_key_file :'cert_file');

-- the legacy API token: the right one, and a wrong one
SELECT pg_read_file(:'sim_dir' || '/clients.json')::json->>'api_token' AS api_token \gset
CREATE SERVER ssws FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER ssws OPTIONS (api_token :'api_token');
CREATE FOREIGN TABLE u_ssws (id text, login text, status text) SERVER ssws OPTIONS (object 'users');
SELECT count(*) > 0 AS ok FROM u_ssws WHERE status = 'LOCKED_OUT';
CREATE SERVER ssws_wrong FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER ssws_wrong OPTIONS (api_token :'wrong_token');
CREATE FOREIGN TABLE u_ssws_wrong (id text) SERVER ssws_wrong OPTIONS (object 'users');
SELECT count(*) FROM u_ssws_wrong;

-- the validator refuses bad credentials at CREATE/ALTER time, and says why
-- without repeating them: a real key with its last line cut, a key with a
-- line of garbage, an encrypted key, a public key, a key plus an API token
SELECT regexp_replace(pg_read_file(:'sim_dir' || '/client-rsa.pem'),
                      E'\n[^\n]*\n(-----END)', E'\n\\1') AS cut_key,
       regexp_replace(pg_read_file(:'sim_dir' || '/client-rsa.pem'),
                      E'\n', E'\n!!garbage!!\n') AS garbage_key,
       pg_read_file(:'sim_dir' || '/client-rsa-encrypted.pem') AS encrypted_key,
       pg_read_file(:'sim_dir' || '/client-rsa-pub.pem') AS public_key,
       pg_read_file(:'sim_dir' || '/client-ec-sec1.pem') AS ec_sec1_key \gset
CREATE SERVER validator FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER validator OPTIONS (client_id '0oaplain', private_key :'cut_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER validator OPTIONS (client_id '0oaplain', private_key :'garbage_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER validator OPTIONS (client_id '0oaplain', private_key :'encrypted_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER validator OPTIONS (client_id '0oaplain', private_key :'public_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER validator
  OPTIONS (client_id '0oaplain', private_key :'rsa_key', api_token :'api_token');
CREATE USER MAPPING FOR CURRENT_USER SERVER validator OPTIONS (private_key :'rsa_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER validator OPTIONS (api_token :'api_token', key_id 'k1');
CREATE USER MAPPING FOR CURRENT_USER SERVER validator OPTIONS (client_id '0oaec', private_key :'ec_sec1_key', key_id 'e1');
ALTER USER MAPPING FOR CURRENT_USER SERVER validator OPTIONS (SET private_key :'cut_key');
-- an option name mistyped
ALTER USER MAPPING FOR CURRENT_USER SERVER validator OPTIONS (ADD privat_key :'rsa_key');
DROP USER MAPPING IF EXISTS FOR CURRENT_USER SERVER validator;
SELECT count(*) > 0 AS ok FROM g_plain;

-- the faults, on a quick server (2 attempts), with and without DPoP: each
-- fault hits every attempt, so each query fails
CREATE SERVER faulty FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file', max_retries '1', timeout_ms '1000', page_size '50');
CREATE USER MAPPING FOR CURRENT_USER SERVER faulty
  OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
CREATE FOREIGN TABLE u_faulty (id text, login text, status text) SERVER faulty OPTIONS (object 'users');
CREATE SERVER faulty_dpop FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file', max_retries '1', timeout_ms '1000', page_size '50');
CREATE USER MAPPING FOR CURRENT_USER SERVER faulty_dpop
  OPTIONS (client_id '0oadpop', private_key :'rsa_key', key_id 'k1');
CREATE FOREIGN TABLE u_faulty_dpop (id text, login text, status text) SERVER faulty_dpop OPTIONS (object 'users');
SELECT count(*) > 0 AS ok FROM u_faulty WHERE status = 'LOCKED_OUT';
SELECT count(*) > 0 AS ok FROM u_faulty_dpop WHERE status = 'LOCKED_OUT';
\! $OKTA_SIM_CTL fail-next 503:2 >/dev/null
SELECT count(*) FROM u_faulty WHERE status = 'LOCKED_OUT';
\! $OKTA_SIM_CTL fail-next 429:2 reset=0 >/dev/null
SELECT count(*) FROM u_faulty_dpop WHERE status = 'LOCKED_OUT';
\! $OKTA_SIM_CTL bad-body short:2 >/dev/null
SELECT count(*) FROM u_faulty WHERE status = 'LOCKED_OUT';
\! $OKTA_SIM_CTL bad-body reset:2 >/dev/null
SELECT count(*) FROM u_faulty_dpop WHERE status = 'LOCKED_OUT';
\! $OKTA_SIM_CTL bad-body malformed:1 >/dev/null
SELECT count(*) FROM u_faulty WHERE status = 'LOCKED_OUT';
\! $OKTA_SIM_CTL bad-body truncated:1 >/dev/null
SELECT count(*) FROM u_faulty_dpop WHERE status = 'LOCKED_OUT';
\! $OKTA_SIM_CTL delay 1500:2 >/dev/null
SELECT count(*) FROM u_faulty WHERE status = 'LOCKED_OUT';
\! $OKTA_SIM_CTL expire-tokens-after 1 >/dev/null
SELECT count(*) > 0 AS ok FROM u_faulty WHERE status = 'LOCKED_OUT';
SELECT count(*) > 0 AS ok FROM u_faulty_dpop WHERE status = 'LOCKED_OUT';
\! $OKTA_SIM_CTL fail-next 401:2 >/dev/null
SELECT count(*) FROM u_faulty_dpop WHERE status = 'LOCKED_OUT';
\! $OKTA_SIM_CTL delay 5000:1 >/dev/null
SET statement_timeout = '1s';
SELECT count(*) FROM u_faulty WHERE status = 'LOCKED_OUT';
RESET statement_timeout;
-- a user that does not exist (404: no rows)
SELECT count(*) FROM u_faulty WHERE id = 'no-such-user';

-- EXPLAIN, EXPLAIN VERBOSE and EXPLAIN ANALYZE VERBOSE of each kind of scan
EXPLAIN VERBOSE SELECT * FROM okta.users WHERE status = 'LOCKED_OUT';
EXPLAIN (ANALYZE, VERBOSE) SELECT * FROM u_faulty_dpop WHERE status = 'LOCKED_OUT';
EXPLAIN (ANALYZE, VERBOSE) SELECT * FROM u_ssws WHERE status = 'LOCKED_OUT';
EXPLAIN (ANALYZE, VERBOSE) SELECT * FROM okta.groups;
SELECT min(id) AS some_user FROM sim.users \gset
SELECT id AS some_group FROM sim.groups WHERE name = 'Empty Group' \gset
EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) SELECT * FROM okta.user_groups WHERE user_id = :'some_user';
EXPLAIN (ANALYZE, VERBOSE) SELECT * FROM okta.users WHERE id = :'some_user';
EXPLAIN (ANALYZE, VERBOSE) SELECT * FROM okta.group_members WHERE group_id = :'some_group';
-- the functions
SELECT oktafdw_version() IS NOT NULL AS ok;
SELECT okta_reset();
SELECT count(*) > 0 AS ok FROM g_dpop_on;

DO $$ BEGIN RAISE DEBUG 'secrets canary end %', current_setting('oktafdw_test.canary'); END $$;
