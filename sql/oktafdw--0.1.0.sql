/* oktafdw--0.1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION oktafdw" to load this file. \quit

CREATE FUNCTION oktafdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION oktafdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER oktafdw
  HANDLER oktafdw_handler
  VALIDATOR oktafdw_validator;

CREATE FUNCTION oktafdw_version()
RETURNS text
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT IMMUTABLE;

COMMENT ON FUNCTION oktafdw_version() IS 'version of the oktafdw extension';

CREATE FUNCTION okta_reset()
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION okta_reset() IS 'drop the cached Okta tokens and connections of this backend';
REVOKE ALL ON FUNCTION okta_reset() FROM PUBLIC;

CREATE FUNCTION okta_check(server name)
RETURNS TABLE (ok boolean, org_url text, auth_method text, scopes text,
               token_expires_in integer, rate_limit_remaining integer,
               latency_ms double precision, message text)
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION okta_check(name) IS 'get a fresh token for the server and list one user; ok = false with Okta''s answer when refused';

CREATE FUNCTION okta_stats()
RETURNS TABLE (server name, object text, requests bigint, pages bigint, rows bigint,
               bytes bigint, retries bigint, throttled_ms bigint, errors bigint,
               token_requests bigint)
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION okta_stats() IS 'what the Okta scans of this backend did, per server and table kind';
