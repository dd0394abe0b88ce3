--
-- fields: user listings ask Okta for only the fields a query reads (Okta's
-- `fields` projection, e.g. fields=id,status,profile:(login)), and fall back
-- to whole objects when the org refuses it.  The simulator's `ctl fields`
-- makes it project (on), ignore the parameter (ignore) or answer 400 (reject).
--
SELECT sim.fresh();

-- the columns read: id and status always (errors name the id; the
-- DEPROVISIONED listing is told apart by status), then the query's columns
EXPLAIN (COSTS OFF) SELECT id, login FROM okta.users;
SELECT * FROM sim.compare('SELECT id, login FROM okta.users',
                          'SELECT id, login FROM sim.users');
-- columns of the local filter count, top-level fields and `path` columns too
EXPLAIN (COSTS OFF) SELECT id FROM okta.users WHERE city = 'Paris';
EXPLAIN (COSTS OFF) SELECT login FROM okta.users WHERE status = 'ACTIVE' LIMIT 5;
SELECT * FROM sim.compare(
  'SELECT id, type_id, last_login, created FROM okta.users WHERE last_login IS NOT NULL AND department = ''Sales''',
  'SELECT id, type_id, last_login, created FROM sim.users WHERE last_login IS NOT NULL AND department = ''Sales''');
SELECT * FROM sim.compare('SELECT count(*) FROM okta.users', 'SELECT count(*) FROM sim.users');
-- group members: the same projection of the member listings
SELECT id AS gid FROM sim.groups WHERE name = 'Former Staff' \gset
EXPLAIN (COSTS OFF) SELECT user_id, login, status FROM okta.group_members WHERE group_id = '00g1a2b3c4d5e6f7g8h9';
SELECT * FROM sim.compare(
  format('SELECT group_id, user_id, login, status FROM okta.group_members WHERE group_id = %L', :'gid'),
  format('SELECT m.group_id, m.user_id, u.login, u.status FROM sim.memberships m JOIN sim.users u ON u.id = m.user_id WHERE m.group_id = %L', :'gid'));
EXPLAIN (COSTS OFF) SELECT group_id, email FROM okta.group_members;
EXPLAIN (COSTS OFF) SELECT user_id, name FROM okta.user_groups;
-- custom profile attributes by name
CREATE FOREIGN TABLE fields_people (id text, cost_center_code text, skills text[],
  badge_number bigint) SERVER okta OPTIONS (object 'users');
EXPLAIN (COSTS OFF) SELECT * FROM fields_people;
SELECT * FROM sim.compare('SELECT * FROM fields_people',
  $$SELECT u->>'id', u->'profile'->>'costCenterCode',
           CASE WHEN jsonb_typeof(u->'profile'->'skills') = 'array'
                THEN ARRAY(SELECT jsonb_array_elements_text(u->'profile'->'skills')) END,
           (u->'profile'->>'badgeNumber')::bigint
    FROM sim.truth('users') u$$);

-- whole objects (no fields) when a query needs the whole profile, the whole
-- row, credentials, or a column whose field cannot be named in the syntax
EXPLAIN (COSTS OFF) SELECT * FROM okta.users;
EXPLAIN (COSTS OFF) SELECT login, profile FROM okta.users WHERE status = 'ACTIVE';
EXPLAIN (COSTS OFF) SELECT u FROM okta.users u WHERE status = 'ACTIVE';
CREATE FOREIGN TABLE fields_odd (id text, "odd name" text,
  provider text OPTIONS (path 'credentials.provider.type')) SERVER okta OPTIONS (object 'users');
EXPLAIN (COSTS OFF) SELECT id, "odd name" FROM fields_odd;
EXPLAIN (COSTS OFF) SELECT id, provider FROM fields_odd;
SELECT * FROM sim.compare('SELECT id, login, profile FROM okta.users WHERE status = ''SUSPENDED''',
                          'SELECT id, login, profile FROM sim.users WHERE status = ''SUSPENDED''');
-- and when the server says so
CREATE SERVER okta_whole FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url 'https://acme.okta.com', fields_projection 'false');
CREATE FOREIGN TABLE whole_users (id text, login text) SERVER okta_whole OPTIONS (object 'users');
EXPLAIN (COSTS OFF) SELECT id, login FROM whole_users;
ALTER SERVER okta_whole OPTIONS (SET fields_projection 'maybe');

-- an org that ignores `fields` sends whole objects: the same rows
\! $OKTA_SIM_CTL fields ignore >/dev/null
SELECT * FROM sim.compare('SELECT id, login FROM okta.users',
                          'SELECT id, login FROM sim.users');

-- an org that refuses it (400): each listing asks again without `fields`,
-- and the backend's client remembers, so the next queries send none
\! $OKTA_SIM_CTL fields reject >/dev/null
SELECT * FROM sim.compare('SELECT id, login FROM okta.users',
                          'SELECT id, login FROM sim.users');
SELECT retries, errors FROM okta_stats() WHERE server = 'okta' AND object = 'users';
SELECT * FROM sim.compare('SELECT id, email FROM okta.users WHERE status = ''LOCKED_OUT''',
                          'SELECT id, email FROM sim.users WHERE status = ''LOCKED_OUT''');
SELECT * FROM sim.compare(
  format('SELECT user_id, login FROM okta.group_members WHERE group_id = %L', :'gid'),
  format('SELECT m.user_id, u.login FROM sim.memberships m JOIN sim.users u ON u.id = m.user_id WHERE m.group_id = %L', :'gid'));
-- okta_reset() forgets it with the client
SELECT okta_reset();
SELECT * FROM sim.compare('SELECT id, email FROM okta.users WHERE status = ''LOCKED_OUT''',
                          'SELECT id, email FROM sim.users WHERE status = ''LOCKED_OUT''');

-- a 400 that is not about the projection still fails (the request without
-- `fields` is refused too), and the client keeps asking for projections
\! $OKTA_SIM_CTL fields on >/dev/null
SELECT okta_reset();
\! $OKTA_SIM_CTL fail-next 400:2 >/dev/null
SELECT sim.log_count() AS before \gset
SELECT sim.try('SELECT count(*) FROM okta.users WHERE status = ''LOCKED_OUT''');
SELECT * FROM sim.log_since(:before);
SELECT * FROM sim.compare('SELECT id, email FROM okta.users WHERE status = ''LOCKED_OUT''',
                          'SELECT id, email FROM sim.users WHERE status = ''LOCKED_OUT''');

-- EXPLAIN ANALYZE says when the fallback changed the requests sent
\! $OKTA_SIM_CTL fields reject >/dev/null
SELECT okta_reset();
SELECT l AS "QUERY PLAN" FROM sim.explain_analyze(
  $$SELECT id, login FROM okta.users WHERE status = 'LOCKED_OUT'$$) AS l;
SELECT l AS "QUERY PLAN" FROM sim.explain_analyze(
  $$SELECT user_id, login FROM okta.group_members WHERE group_id = '00gnosuchgroup000000'$$) AS l;
-- and nothing of the kind when the org takes it
\! $OKTA_SIM_CTL fields on >/dev/null
SELECT okta_reset();
SELECT l AS "QUERY PLAN" FROM sim.explain_analyze(
  $$SELECT id, login FROM okta.users WHERE status = 'LOCKED_OUT'$$) AS l;

SELECT sim.fresh();
