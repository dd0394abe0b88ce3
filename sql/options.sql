--
-- options: everything is checked when written
--
\getenv sim_dir OKTA_SIM_DIR
\set VERBOSITY default
-- server options
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw;
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'http://acme.okta.com');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'acme.okta.com');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com/api/v1');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', colour 'blue');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', page_size '500');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', page_size 'ten');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', timeout_ms '0');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', max_retries '-1');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', max_concurrency '0');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', dpop 'sometimes');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', ca_file 'relative.pem');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', scopes 'okta.users.read; drop');
-- the Admin Console's address is not the org's: refused, with the org's
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme-admin.okta.com');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme-admin.oktapreview.com/');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme-admin.okta-emea.com:443');
-- ... on Okta's domains only: a custom domain may be named anything
CREATE SERVER s_custom FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://sso-admin.acme.com');
ALTER SERVER s_custom OPTIONS (SET org_url 'https://acme-admin.okta.com');
DROP SERVER s_custom;
-- http is fine for loopback only
CREATE SERVER s_local FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'http://127.0.0.1:9');
CREATE SERVER s1 FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url 'https://acme.okta.com/', scopes 'okta.users.read', timeout_ms '5000',
           connect_timeout_ms '1000', page_size '50', max_retries '0', max_concurrency '8', dpop 'on');
ALTER SERVER s1 OPTIONS (SET org_url 'ftp://acme.okta.com');
ALTER SERVER s1 OPTIONS (DROP org_url);
ALTER SERVER s1 OPTIONS (SET dpop 'off');

-- user mapping options: exactly one credential kind
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key,
       pg_read_file(:'sim_dir' || '/client-rsa-pkcs1.pem') AS rsa1_key,
       pg_read_file(:'sim_dir' || '/client-ec.pem') AS ec_key,
       pg_read_file(:'sim_dir' || '/client-rsa-pub.pem') AS pub_key,
       pg_read_file(:'sim_dir' || '/ca.pem') AS cert \gset
CREATE USER MAPPING FOR CURRENT_USER SERVER s1;
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (private_key :'rsa_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key :'rsa_key', api_token 'x');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key 'not a key');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key :'pub_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key :'cert');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key '-----BEGIN PRIVATE KEY-----
MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAtruncated
-----END PRIVATE KEY-----');
-- a PEM text mangled on its way: the message says how, the hint what to do
SELECT regexp_replace(:'rsa_key', '^', '  ', 'gn') AS indented_key,
       replace(:'rsa_key', E'\n', '\n') AS escaped_key,
       replace(:'rsa_key', E'\n', ' ') AS one_line_key,
       regexp_replace(:'rsa_key', '-----END[^\n]*\n?$', '') AS no_end_key,
       replace(:'rsa_key', 'END PRIVATE KEY', 'END RSA PRIVATE KEY') AS mismatched_key,
       regexp_replace(:'rsa_key', '^(-----BEGIN[^\n]*\n)[^\n]*\n', '\1') AS damaged_key \gset
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key :'indented_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key :'escaped_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key :'one_line_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key :'no_end_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key :'mismatched_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key :'damaged_key');
-- a file name given as private_key: did you mean private_key_file?
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key '/etc/okta/key.pem');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key 'key.pem');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key :'rsa_key', password 'x');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (api_token 'x', key_id 'k1');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key_file 'key.pem');
-- good ones: PKCS#8 and PKCS#1 RSA, EC P-256, an API token
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (client_id '0oa1', private_key :'rsa_key', key_id 'k1');
ALTER USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (SET private_key :'rsa1_key');
ALTER USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (SET private_key :'ec_key');
ALTER USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (ADD api_token 'x');
ALTER USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (DROP client_id, DROP private_key, DROP key_id, ADD api_token 'x');
-- no secret is echoed back in an error
CREATE USER MAPPING FOR CURRENT_USER SERVER s_local OPTIONS (client_id '0oa1', private_key 'SECRET-KEY-MATERIAL');

-- table and column options
CREATE FOREIGN TABLE t1 (id text) SERVER s1 OPTIONS (object 'widgets');
CREATE FOREIGN TABLE t1 (id text) SERVER s1 OPTIONS (object 'users', pushdown 'maybe');
CREATE FOREIGN TABLE t1 (id text) SERVER s1 OPTIONS (object 'users', colour 'red');
CREATE FOREIGN TABLE t1 (id text OPTIONS (path '')) SERVER s1 OPTIONS (object 'users');
CREATE FOREIGN TABLE t1 (id text OPTIONS (path 'profile..x')) SERVER s1 OPTIONS (object 'users');
CREATE FOREIGN TABLE t1 (id text OPTIONS (colour 'red')) SERVER s1 OPTIONS (object 'users');
-- type: an Okta type (string, integer, number, boolean, array) or date
CREATE FOREIGN TABLE t1 (id text OPTIONS (type 'float')) SERVER s1 OPTIONS (object 'users');
CREATE FOREIGN TABLE t1 (id text OPTIONS (type 'String')) SERVER s1 OPTIONS (object 'users');
CREATE FOREIGN TABLE t1 (id text OPTIONS (path 'profile.login')) SERVER s1 OPTIONS (object 'users', pushdown 'false');
-- a table without an object option needs a name that is one
CREATE FOREIGN TABLE widgets (id text) SERVER s1;
SELECT * FROM widgets;
DROP FOREIGN TABLE widgets, t1;
-- options on the wrapper itself
ALTER FOREIGN DATA WRAPPER oktafdw OPTIONS (ADD org_url 'https://x.okta.com');

-- nothing that reaches a header, a URL or a path holds a control character,
-- and an API token only Okta's alphabet; a refused value is not shown
CREATE USER MAPPING FOR CURRENT_USER SERVER s_local OPTIONS (api_token E'00tok\r\nX-Injected: 1');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_local OPTIONS (api_token '00tok with spaces');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_local OPTIONS (api_token '00tok"quoted');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_local OPTIONS (client_id E'0oa1\r\nX-Injected: 1', private_key :'rsa_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_local OPTIONS (client_id '0oa1', private_key :'rsa_key', key_id E'k1\n');
CREATE SERVER s2 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url E'https://acme.okta.com\r\nX-Injected: 1');
CREATE SERVER s2 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', scopes E'okta.users.read\tokta.groups.read');
CREATE SERVER s2 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', ca_file E'/etc/ssl/ca.pem\x7f');
CREATE FOREIGN TABLE t2 (id text OPTIONS (path E'profile.\x01login')) SERVER s1 OPTIONS (object 'users');
-- Okta's tokens: letters, digits, '-' and '_'
CREATE USER MAPPING FOR CURRENT_USER SERVER s_local OPTIONS (api_token '00Ab-cd_EF0123456789');
DROP USER MAPPING FOR CURRENT_USER SERVER s_local;

-- USAGE on the wrapper lets a role create servers, i.e. choose where the
-- database server connects: https:// to any host.  http:// (loopback only)
-- and a proxy are the superuser's to choose.
CREATE ROLE regress_okta_owner;
GRANT USAGE ON FOREIGN DATA WRAPPER oktafdw TO regress_okta_owner;
SET ROLE regress_okta_owner;
CREATE SERVER s_http FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'http://127.0.0.1:9');
CREATE SERVER s_mine FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com');
ALTER SERVER s_mine OPTIONS (SET org_url 'http://localhost:9');
ALTER SERVER s_mine OPTIONS (ADD proxy 'http://127.0.0.1:3128');
ALTER SERVER s_mine OPTIONS (ADD timeout_ms '1000');
RESET ROLE;
-- a superuser's http:// server given to a role: the role cannot change its
-- options (the URL would be its choice then), and it is not used while a
-- non-superuser owns it
ALTER SERVER s_local OPTIONS (ADD max_retries '0');
ALTER SERVER s_local OWNER TO regress_okta_owner;
SET ROLE regress_okta_owner;
ALTER SERVER s_local OPTIONS (ADD timeout_ms '1000');
RESET ROLE;
CREATE USER MAPPING FOR CURRENT_USER SERVER s_local OPTIONS (api_token '00tok');
CREATE FOREIGN TABLE t_local (id text) SERVER s_local OPTIONS (object 'groups');
SELECT * FROM t_local;
-- owned by a superuser again, it is used (nothing listens there: 08006)
ALTER SERVER s_local OWNER TO CURRENT_USER;
DO $$ BEGIN PERFORM * FROM t_local;
  EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'SQLSTATE %', SQLSTATE; END $$;
DROP SERVER s_local CASCADE;
-- the proxy option: a superuser's, an http, https or socks5h URL (not shown:
-- it may hold a password)
CREATE SERVER s2 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', proxy 'ftp://proxy.example.com');
CREATE SERVER s2 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', proxy 'http://');
CREATE SERVER s2 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', proxy 'http://proxy.example.com:3128/path');
CREATE SERVER s2 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', proxy E'http://proxy.example.com:3128\r\nX-Injected: 1');
CREATE SERVER s2 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url 'https://acme.okta.com', proxy 'socks5h://127.0.0.1:1080');
ALTER SERVER s2 OPTIONS (SET proxy 'https://user:pw@proxy.example.com:3128');
DROP SERVER s2;
DROP OWNED BY regress_okta_owner;
DROP ROLE regress_okta_owner;
DROP SERVER s1 CASCADE;
