-- oktafdw_test: test-only functions (see oktafdw_test.c)
\echo Use "CREATE EXTENSION oktafdw_test" to load this file. \quit

CREATE FUNCTION okta_test_jsonb(doc text, order_table integer DEFAULT 0,
                                reader_marks boolean DEFAULT false, fresh boolean DEFAULT false)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION okta_test_raw(jsonb) RETURNS bytea
AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION okta_test_raw(numeric) RETURNS bytea
AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE;

CREATE FUNCTION okta_test_numeric(num text) RETURNS bytea
AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION okta_test_numeric_direct(num text) RETURNS boolean
AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE;

CREATE FUNCTION okta_test_doc(seed bigint, i integer, latin1 boolean DEFAULT false,
                              OUT doc text, OUT order_table integer,
                              OUT reader_marks boolean, OUT fresh boolean)
AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE;
CREATE FUNCTION okta_test_number(seed bigint, i integer) RETURNS text
AS 'MODULE_PATHNAME' LANGUAGE C STRICT IMMUTABLE;

CREATE FUNCTION okta_test_reset() RETURNS void
AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
CREATE FUNCTION okta_test_paths(OUT path text, OUT documents bigint) RETURNS SETOF record
AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
CREATE FUNCTION okta_test_table(order_table integer, OUT keys integer, OUT bytes integer)
AS 'MODULE_PATHNAME' LANGUAGE C STRICT VOLATILE;
