--
-- upgrade: 0.1.0 installed from its script, then ALTER EXTENSION oktafdw
-- UPDATE, has the same objects (and the same definitions and comments) as
-- a fresh install of the current version
--
CREATE DATABASE regress_oktafdw_upgrade;
\c regress_oktafdw_upgrade
CREATE EXTENSION oktafdw VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'oktafdw';
ALTER EXTENSION oktafdw UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'oktafdw';
-- every member object, with its definition and comment
CREATE VIEW objects AS
SELECT pg_describe_object(d.classid, d.objid, 0) AS object,
       CASE WHEN d.classid = 'pg_proc'::regclass
            THEN md5(pg_get_functiondef(d.objid)) END AS definition,
       CASE WHEN d.classid = 'pg_proc'::regclass
            THEN (SELECT array_to_string(proacl, ',') FROM pg_proc WHERE oid = d.objid) END AS acl,
       obj_description(d.objid, d.classid::regclass::name) AS comment
  FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND e.extname = 'oktafdw';
CREATE TABLE updated AS SELECT * FROM objects;
SELECT object FROM updated ORDER BY object;
DROP EXTENSION oktafdw;
CREATE EXTENSION oktafdw;
SELECT extversion FROM pg_extension WHERE extname = 'oktafdw';
-- no difference either way
(SELECT * FROM updated EXCEPT SELECT * FROM objects)
UNION ALL
(SELECT * FROM objects EXCEPT SELECT * FROM updated);
\c contrib_regression
DROP DATABASE regress_oktafdw_upgrade;
