--
-- pushdown: quals that narrow the Okta request, proven by the request log;
-- every pushed qual is rechecked locally
--
-- sample values from the ground truth
SELECT id AS uid, login AS ulogin FROM sim.users WHERE status = 'ACTIVE' ORDER BY id LIMIT 1 \gset
SELECT g.id AS gid FROM sim.groups g WHERE g.type = 'OKTA_GROUP'
  AND EXISTS (SELECT 1 FROM sim.memberships m WHERE m.group_id = g.id) ORDER BY g.id LIMIT 1 \gset
SELECT user_id AS member FROM sim.memberships WHERE group_id = :'gid' ORDER BY user_id LIMIT 1 \gset

-- users.id = c: one GET of that user
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT id = :'uid' AS same, login = :'ulogin' AS same_login FROM okta.users WHERE id = :'uid';
SELECT replace(l, :'uid', '<uid>') AS request FROM sim.log('/api/') AS l;
-- unknown id: 404, no rows
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) FROM okta.users WHERE id = '00unosuchuser0000000';
SELECT * FROM sim.log('/api/') AS l;
-- an id that tries to walk the path stays one encoded segment
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) FROM okta.users WHERE id = '../groups';
SELECT count(*) FROM okta.users WHERE id = '..';
-- (not /api/v1/users: libcurl must not merge the encoded dots)
SELECT count(*) FROM okta.group_members WHERE group_id = '..';
SELECT count(*) FROM okta.users WHERE id = 'a?b#c';
SELECT count(*) FROM okta.users WHERE id = '';
SELECT * FROM sim.log('/api/') AS l;
-- a login used as an id: Okta would match it by login, the local recheck does not
SELECT count(*) FROM okta.users WHERE id = :'ulogin';

-- status = c: a search, DEPROVISIONED included
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) = (SELECT count(*) FROM sim.users WHERE status = 'DEPROVISIONED') AS all_deprovisioned
FROM okta.users WHERE status = 'DEPROVISIONED';
SELECT DISTINCT regexp_replace(l, 'after=[^&]*&', '') AS request FROM sim.log('/api/') AS l ORDER BY 1;
SELECT count(*) = (SELECT count(*) FROM sim.users WHERE status = 'LOCKED_OUT') AS all_locked
FROM okta.users WHERE status = 'LOCKED_OUT';
-- Okta matches case-insensitively; PostgreSQL does not, and the recheck keeps it so
SELECT count(*) FROM okta.users WHERE status = 'active';
-- a value with a quote is escaped in the search expression
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) FROM okta.users WHERE status = 'ACTIVE" or status eq "SUSPENDED';
SELECT * FROM sim.log('/api/') AS l;
-- a value with a newline cannot be expressed safely: listed and filtered locally
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) FROM okta.users WHERE status = E'ACTIVE\n';
SELECT DISTINCT regexp_replace(l, 'after=[^&]*&', '') AS request FROM sim.log('/api/') AS l ORDER BY 1;
-- a parameter counts as a constant
PREPARE by_id(text) AS SELECT count(*) FROM okta.users WHERE id = $1;
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
EXECUTE by_id(:'uid');
SELECT replace(l, :'uid', '<uid>') AS request FROM sim.log('/api/') AS l;
DEALLOCATE by_id;
-- other quals are filtered locally, with the same result
SELECT count(*) = (SELECT count(*) FROM sim.users WHERE status = 'ACTIVE' AND last_name LIKE 'S%')
  AS same FROM okta.users WHERE status = 'ACTIVE' AND last_name LIKE 'S%';

-- groups.id = c
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT name = (SELECT name FROM sim.groups WHERE id = :'gid') AS same FROM okta.groups WHERE id = :'gid';
SELECT replace(l, :'gid', '<gid>') AS request FROM sim.log('/api/') AS l;

-- group_members.group_id = c: that group's members only
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) = (SELECT count(*) FROM sim.memberships WHERE group_id = :'gid') AS same
FROM okta.group_members WHERE group_id = :'gid';
SELECT DISTINCT regexp_replace(replace(l, :'gid', '<gid>'), 'after=[^&]*&', '') AS request
FROM sim.log('/api/') AS l ORDER BY 1;
SELECT count(*) FROM okta.group_members WHERE group_id = '00gnosuchgroup000000';

-- user_groups.user_id = c: that user's groups only
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) = (SELECT count(*) FROM sim.memberships WHERE user_id = :'member') AS same
FROM okta.user_groups WHERE user_id = :'member';
SELECT DISTINCT regexp_replace(replace(l, :'member', '<uid>'), 'after=[^&]*&', '') AS request
FROM sim.log('/api/') AS l ORDER BY 1;
SELECT count(*) FROM okta.user_groups WHERE user_id = '00unosuchuser0000000';
-- 20 letters and digits but not a user's id (no "00u"): a short login Okta
-- would resolve by path, so not requested; nor a group id without "00g"
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) FROM okta.user_groups WHERE user_id = 'alexandermontgomery1';
SELECT count(*) FROM okta.group_members WHERE group_id = '00uaaaaaaaaaaaaaaaaa';
SELECT count(*) AS requests FROM sim.log('/api/') AS l;
-- a view that hides one user's memberships: asking by that user's login
-- (which Okta resolves by path) finds nothing, as with pushdown 'false' --
-- rows carry Okta's id, and a value not in its format is not requested
SELECT login AS mlogin FROM sim.users WHERE id = :'member' \gset
CREATE VIEW others_groups AS SELECT * FROM okta.user_groups WHERE user_id <> :'member';
CREATE FOREIGN TABLE user_groups_local (user_id text, id text)
  SERVER okta OPTIONS (object 'user_groups', pushdown 'false');
CREATE VIEW others_groups_local AS SELECT * FROM user_groups_local WHERE user_id <> :'member';
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) FROM others_groups WHERE user_id = :'mlogin';
SELECT count(*) FROM others_groups WHERE user_id = upper(:'mlogin');
SELECT count(*) FROM others_groups WHERE user_id = split_part(:'mlogin', '@', 1);
SELECT * FROM sim.log('/api/') AS l;
SELECT count(*) FROM others_groups_local WHERE user_id = :'mlogin';
-- the same by a join: a key per row of a local table, each a parameter
CREATE TABLE member_keys (k text);
INSERT INTO member_keys VALUES (:'mlogin'), (upper(:'mlogin')), (:'member');
ANALYZE member_keys;
SELECT * FROM sim.plan('SELECT k.k, ug.user_id FROM member_keys k JOIN okta.user_groups ug ON ug.user_id = k.k');
SELECT count(*) FILTER (WHERE k.k = :'mlogin' OR k.k = upper(:'mlogin')) AS by_login,
       count(*) FILTER (WHERE k.k = :'member') = (SELECT count(*) FROM sim.memberships
                                                  WHERE user_id = :'member') AS by_id_same
FROM member_keys k JOIN okta.user_groups ug ON ug.user_id = k.k;
DROP TABLE member_keys;
DROP VIEW others_groups, others_groups_local;
DROP FOREIGN TABLE user_groups_local;

-- pushdown 'false': the same rows, from full listings
CREATE FOREIGN TABLE users_local (id text, status text, login text)
  SERVER okta OPTIONS (object 'users', pushdown 'false');
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT login = :'ulogin' AS same FROM users_local WHERE id = :'uid';
SELECT DISTINCT regexp_replace(l, 'after=[^&]*&', '') AS request FROM sim.log('/api/') AS l ORDER BY 1;
SELECT (SELECT count(*) FROM users_local WHERE status = 'DEPROVISIONED') =
       (SELECT count(*) FROM okta.users WHERE status = 'DEPROVISIONED') AS same;

-- custom profile attributes: the type option says how Okta types them; a
-- wrong one makes a search Okta refuses (a string literal against an
-- integer attribute: 400 E0000031), and the query fails rather than
-- guessing
CREATE FOREIGN TABLE custom_wrong (id text, status text,
  badge text OPTIONS (path 'profile.badgeNumber', type 'string'),
  rate bigint OPTIONS (path 'profile.hourlyRate', type 'number'))
  SERVER okta OPTIONS (object 'users');
SELECT sim.try('SELECT count(*) FROM custom_wrong WHERE badge = ''1234''');
-- the right ones: numbers unquoted
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) FROM custom_wrong WHERE rate >= 100 AND rate < 0;
SELECT DISTINCT regexp_replace(l, 'after=[^&]*&', '') AS request FROM sim.log('/api/') AS l ORDER BY 1;
-- a type the column's SQL type cannot compare with is not pushed
ALTER FOREIGN TABLE custom_wrong ALTER COLUMN badge OPTIONS (SET type 'integer');
\! truncate -s 0 "$OKTA_SIM_DIR/requests.log"
SELECT count(*) FROM custom_wrong WHERE badge = '1234' AND status = 'NONE';
SELECT DISTINCT regexp_replace(l, 'after=[^&]*&', '') AS request FROM sim.log('/api/') AS l ORDER BY 1;
DROP FOREIGN TABLE custom_wrong;
