--
-- auth: private_key_jwt with and without DPoP, and each way it can fail
--
\getenv sim_dir OKTA_SIM_DIR
\getenv sim_url OKTA_SIM_URL
\set ca_file :sim_dir '/ca.pem'
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key,
       pg_read_file(:'sim_dir' || '/client-rsa-pkcs1.pem') AS rsa1_key,
       pg_read_file(:'sim_dir' || '/client-rsa2.pem') AS rsa2_key,
       pg_read_file(:'sim_dir' || '/other-rsa.pem') AS other_key,
       pg_read_file(:'sim_dir' || '/client-ec.pem') AS ec_key \gset
-- one server per case; each gets a groups table
CREATE FUNCTION make_case(srv text, client text, key text, kid text, srvopts text DEFAULT '')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url %L, ca_file %L %s)',
                 srv, current_setting('oktafdw_test.url'), current_setting('oktafdw_test.ca'), srvopts);
  EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (client_id %L, private_key %L %s)',
                 srv, client, key, CASE WHEN kid IS NULL THEN '' ELSE format(', key_id %L', kid) END);
  EXECUTE format('CREATE FOREIGN TABLE %I (id text, name text) SERVER %I OPTIONS (object ''groups'')',
                 'g_' || srv, srv);
END $$;
SELECT set_config('oktafdw_test.url', :'sim_url', false), set_config('oktafdw_test.ca', :'ca_file', false) \gset
\set VERBOSITY default

-- the plain app (tokens not DPoP-bound): the token request carries a proof
-- anyway (dpop 'auto': no failed grant for apps that require DPoP), Okta
-- asks for its nonce, then issues a Bearer token, used as one
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT make_case('plain', '0oaplain', :'rsa_key', 'k1');
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_plain;
SELECT * FROM sim.log() AS l;
-- the token is reused by the next query
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_plain;
SELECT count(*) AS token_requests FROM sim.log('/oauth2/v1/token') AS l;
-- ... and fetched again after okta_reset()
SELECT okta_reset();
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_plain;
SELECT count(*) AS token_requests FROM sim.log('/oauth2/v1/token') AS l;

-- PKCS#1 PEM works the same; the kid is optional with a single key
SELECT make_case('pkcs1', '0oaplain', :'rsa1_key', NULL);
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_pkcs1;

-- DPoP required by the app: the default dpop 'auto' copes, with no setting
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT make_case('dpop_auto', '0oadpop', :'rsa_key', 'k1');
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_dpop_auto;
-- a proof from the first request: given a nonce, then a DPoP token; no
-- token request without a proof, so no failed grant in the org's System Log
SELECT * FROM sim.log() AS l;
-- dpop 'on' sends the proof from the first request
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT make_case('dpop_on', '0oadpop', :'rsa_key', 'k1', ', dpop ''on''');
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_dpop_on;
SELECT * FROM sim.log() AS l;
-- dpop 'off' against an app that requires it fails, and says why
SELECT make_case('dpop_off', '0oadpop', :'rsa_key', 'k1', ', dpop ''off''');
SELECT sim.try('SELECT count(*) FROM g_dpop_off');
-- a stale nonce and an expired token: the client takes the new nonce, gets a new token, and the query succeeds
\! $OKTA_SIM_CTL rotate-nonce >/dev/null
\! $OKTA_SIM_CTL expire-tokens >/dev/null
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_dpop_on;
SELECT * FROM sim.log() AS l;
-- a wrong proof (here: a clock 10 minutes off, so its iat is stale) is refused, and said so
\! $OKTA_SIM_CTL dpop-skew 600 >/dev/null
SELECT make_case('dpop_skewed', '0oadpop', :'rsa_key', 'k1');
SELECT sim.try('SELECT count(*) FROM g_dpop_skewed');
-- ... also by the resource server, once a token is held: Okta's 400 with an
-- empty body and the reason in WWW-Authenticate is an authentication failure
SELECT sim.try('SELECT count(*) FROM g_dpop_on');
\! $OKTA_SIM_CTL dpop-skew 0 >/dev/null
-- an expired Bearer token is replaced too
\! $OKTA_SIM_CTL expire-tokens >/dev/null
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_plain;

-- failures: SQLSTATE 28000 with Okta's error in the detail, never a secret
SELECT make_case('wrong_key', '0oaplain', :'other_key', 'k1');
SELECT sim.try('SELECT count(*) FROM g_wrong_key');
SELECT make_case('wrong_kid', '0oaplain', :'rsa_key', 'nope');
SELECT sim.try('SELECT count(*) FROM g_wrong_kid');
SELECT make_case('no_kid_multi', '0oamulti', :'rsa_key', NULL);
SELECT sim.try('SELECT count(*) FROM g_no_kid_multi');
SELECT make_case('multi', '0oamulti', :'rsa2_key', 'k2');
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_multi;
SELECT make_case('unknown_client', '0oanosuchapp', :'rsa_key', 'k1');
SELECT sim.try('SELECT count(*) FROM g_unknown_client');
-- the org URL must be the token endpoint's audience exactly
SELECT set_config('oktafdw_test.url', replace(:'sim_url', 'localhost', '127.0.0.1'), false) \gset
SELECT make_case('wrong_aud', '0oaplain', :'rsa_key', 'k1');
SELECT sim.try('SELECT count(*) FROM g_wrong_aud');
SELECT set_config('oktafdw_test.url', :'sim_url', false) \gset
-- scopes the app was not granted
SELECT make_case('no_scope', '0oausersonly', :'rsa_key', 'k1');
SELECT sim.try('SELECT count(*) FROM g_no_scope');
-- a token without the groups scope: 403 from the API
SELECT make_case('users_only', '0oausersonly', :'rsa_key', 'k1', ', scopes ''okta.users.read''');
SELECT sim.try('SELECT count(*) FROM g_users_only');
-- an app without an admin role: 403 E0000006
SELECT make_case('no_role', '0oanorole', :'rsa_key', 'k1');
SELECT sim.try('SELECT count(*) FROM g_no_role');
-- an EC key on an app that has an RSA key
SELECT make_case('ec_wrong', '0oaplain', :'ec_key', 'k1');
SELECT sim.try('SELECT count(*) FROM g_ec_wrong');
-- TLS is always verified: without the test CA the server is not trusted
CREATE SERVER untrusted FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER untrusted OPTIONS (client_id '0oaplain', private_key :'rsa_key');
CREATE FOREIGN TABLE g_untrusted (id text) SERVER untrusted OPTIONS (object 'groups');
-- (the detail is libcurl's, worded by each version its own way around
-- OpenSSL's verdict: keep the verdict)
SELECT regexp_replace(sim.try('SELECT count(*) FROM g_untrusted'),
                      'DETAIL: [^\n]*(unable to get local issuer certificate)[^\n]*', 'DETAIL: … \1');
-- after all that, this backend still works
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM g_plain;

-- an API token with CR LF in the catalog (written before the validator
-- refused them, say by an older version): the request is refused before
-- anything is sent, and the error does not quote the token
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
CREATE SERVER ssws_crlf FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER ssws_crlf OPTIONS (api_token '00placeholder');
UPDATE pg_user_mapping SET umoptions = ARRAY[E'api_token=00tok\r\nX-Injected: 1']
  WHERE umserver = (SELECT oid FROM pg_foreign_server WHERE srvname = 'ssws_crlf');
CREATE FOREIGN TABLE g_ssws_crlf (id text) SERVER ssws_crlf OPTIONS (object 'groups');
SELECT count(*) FROM g_ssws_crlf;
SELECT count(*) AS requests_sent FROM sim.log() AS l;
DROP SERVER ssws_crlf CASCADE;
