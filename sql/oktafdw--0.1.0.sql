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
