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
-- only the org's one schema exists
IMPORT FOREIGN SCHEMA public FROM SERVER okta INTO imp1;
-- imported tables query like any other
SELECT count(*) = (SELECT count(*) FROM sim.groups) AS ok FROM imp2.groups;
DROP SCHEMA imp1 CASCADE;
DROP SCHEMA imp2 CASCADE;
