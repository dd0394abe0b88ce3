--
-- IMPORT FOREIGN SCHEMA
--
CREATE SCHEMA imp1;
IMPORT FOREIGN SCHEMA okta LIMIT TO (users, groups) FROM SERVER okta INTO imp1;
\det imp1.*
CREATE SCHEMA imp2;
IMPORT FOREIGN SCHEMA okta EXCEPT (users) FROM SERVER okta INTO imp2;
\det imp2.*
-- the columns SPEC lists, with their types and options
\d okta.users
\d okta.groups
\d okta.group_members
\d okta.user_groups
-- every column's Okta path, as its path option and at the start of its
-- comment (\d+ shows both); the parent id column is the request's
SELECT attname, attfdwoptions, col_description(attrelid, attnum)
FROM pg_attribute WHERE attrelid = 'okta.group_members'::regclass AND attnum > 0
ORDER BY attnum;
SELECT attname, attfdwoptions, col_description(attrelid, attnum)
FROM pg_attribute WHERE attrelid = 'okta.system_log'::regclass AND attnum > 0
ORDER BY attnum;
-- every imported column has both, the comment starting with the path
SELECT c.relname, count(*) AS columns,
       count(*) FILTER (WHERE col_description(c.oid, a.attnum) LIKE
                        coalesce(substring(array_to_string(a.attfdwoptions, ',') from 'path=([^,]*)'),
                                 '%') || '%') AS described
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
WHERE c.relnamespace = 'okta'::regnamespace
GROUP BY c.relname ORDER BY c.relname;
SELECT relname, obj_description(oid, 'pg_class') FROM pg_class
WHERE relnamespace = 'okta'::regnamespace ORDER BY relname;
-- comments are written by IMPORT only: a table created by hand after a
-- failed IMPORT has none
CREATE SCHEMA imp3;
CREATE TABLE imp3.groups (x int);
IMPORT FOREIGN SCHEMA okta LIMIT TO (users, groups) FROM SERVER okta INTO imp3;
DROP TABLE imp3.groups;
CREATE FOREIGN TABLE imp3.users (id text, login text) SERVER okta;
SELECT count(*) FROM pg_description d JOIN pg_class c ON d.objoid = c.oid
WHERE c.relnamespace = 'imp3'::regnamespace;
DROP SCHEMA imp3 CASCADE;

-- a column read by its name that matches no Okta field: a NOTICE at the end
-- of the scan, naming the field tried and the standard field it is likely
-- (costcenter for costCenter), or after 100 rows or more (favourite_colour);
-- none for a known field (cost_center) or a column with a path option (badge)
CREATE FOREIGN TABLE imp1.hand_users (id text, costcenter text, cost_center text,
  cost_center_code text, badge text OPTIONS (path 'profile.noSuchAttribute'),
  favourite_colour text)
  SERVER okta OPTIONS (object 'users');
SELECT count(*) AS rows, count(costcenter) AS costcenter, count(badge) AS badge,
       count(favourite_colour) AS favourite_colour
FROM (SELECT * FROM imp1.hand_users LIMIT 100) s;
-- a name that is no standard field's may be a custom attribute unset in the
-- few rows read: not reported under 100 rows
SELECT count(*) AS rows, count(costcenter) AS costcenter, count(favourite_colour) AS favourite_colour
FROM (SELECT * FROM imp1.hand_users LIMIT 99) s;
-- none for a custom attribute some row has, or a column the query does not
-- read
SELECT count(cost_center_code) > 0 AS some FROM (SELECT * FROM imp1.hand_users LIMIT 50) s;
-- once per scan, however often it is run again (each group's members)
CREATE FOREIGN TABLE imp1.hand_members (group_id text, user_id text, costcenter text)
  SERVER okta OPTIONS (object 'group_members');
SELECT count(*) AS rows, count(m.costcenter) AS costcenter
FROM (SELECT group_id FROM sim.memberships GROUP BY group_id HAVING count(*) >= 5
      ORDER BY group_id LIMIT 3) g
CROSS JOIN LATERAL (SELECT costcenter FROM imp1.hand_members m
                    WHERE m.group_id = g.group_id LIMIT 2) m;
-- and none when no row was read
SELECT count(costcenter) FROM imp1.hand_users WHERE id = '00unosuchuser0000000';

-- only the org's one schema exists
IMPORT FOREIGN SCHEMA public FROM SERVER okta INTO imp1;
-- imported tables query like any other
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM imp2.groups;
DROP SCHEMA imp1 CASCADE;
DROP SCHEMA imp2 CASCADE;
