--
-- EXPLAIN shows the Okta request
--
EXPLAIN (COSTS OFF) SELECT * FROM okta.users;
EXPLAIN (COSTS OFF) SELECT * FROM okta.users WHERE id = '00u1a2b3c4d5e6f7g8h9';
EXPLAIN (COSTS OFF) SELECT * FROM okta.users WHERE status = 'ACTIVE' AND city = 'Paris';
EXPLAIN (COSTS OFF) SELECT * FROM okta.groups;
EXPLAIN (COSTS OFF) SELECT * FROM okta.groups WHERE id = '00g1a2b3c4d5e6f7g8h9';
EXPLAIN (COSTS OFF) SELECT * FROM okta.group_members WHERE group_id = '00g1a2b3c4d5e6f7g8h9';
EXPLAIN (COSTS OFF) SELECT * FROM okta.group_members;
EXPLAIN (COSTS OFF) SELECT * FROM okta.user_groups WHERE user_id = '00u1a2b3c4d5e6f7g8h9';
-- a value not in Okta's id format (20 letters and digits) is no object's id:
-- no request (a login would be resolved by Okta, and echoed as the user's id)
EXPLAIN (COSTS OFF) SELECT * FROM okta.user_groups WHERE user_id = 'a/b@example.com';
EXPLAIN (COSTS OFF) SELECT * FROM okta.users WHERE id IN ('00u123', '00u1a2b3c4d5e6f7g8h9');
SELECT l AS "QUERY PLAN" FROM sim.explain_analyze(
  'SELECT count(*) FROM okta.group_members WHERE group_id IN (''..;'', ''00g1'')', true) AS l
WHERE l !~ 'Output:';
EXPLAIN (COSTS OFF) SELECT * FROM okta.user_groups;
PREPARE q(text) AS SELECT * FROM okta.users WHERE id = $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE q('00u1');
RESET plan_cache_mode;
DEALLOCATE q;
-- the plan of a query (EXPLAIN's JSON: the same keys on every version)
CREATE FUNCTION plan_of(q text) RETURNS json LANGUAGE plpgsql AS $$
DECLARE j json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
  RETURN j -> 0 -> 'Plan';
END $$;
CREATE FUNCTION plan_rows(q text) RETURNS bigint LANGUAGE sql AS $$
  SELECT (plan_of(q) ->> 'Plan Rows')::float8::bigint
$$;
-- the planner's estimate of a table's rows: a guess until this backend has
-- read it whole (below)
SELECT plan_rows('SELECT * FROM okta.groups') AS groups_guessed;
-- ANALYZE VERBOSE adds what the scan did (sim.explain_analyze: the same
-- lines on every version)
SELECT l AS "QUERY PLAN" FROM sim.explain_analyze('SELECT count(*) FROM okta.groups', true) AS l;
-- plain ANALYZE shows what the scan cost: its requests and pages
SELECT l AS "QUERY PLAN" FROM sim.explain_analyze('SELECT * FROM okta.users WHERE status = ''LOCKED_OUT''') AS l;
-- every fan-out shows its cost in plain EXPLAIN
SELECT c.relname AS fan_out,
       substring(plan_of(format('SELECT * FROM okta.%I', c.relname)) ->> 'Okta Fan-out'
                 FROM '^at least \d+ requests \(\d+ [a-z ]+') AS estimate
FROM pg_class c JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
WHERE c.relnamespace = 'okta'::regnamespace
  AND c.relname IN ('group_members', 'user_groups', 'app_users', 'app_groups', 'user_factors', 'user_roles')
ORDER BY 1;
-- the planner's row estimates are the org's once this backend has read a
-- table whole (per server: a kind's listing -- the groups, above -- or a
-- member table's fan-out); before, a fixed guess
SELECT plan_rows('SELECT * FROM okta.groups') = (SELECT count(*) FROM sim.groups) AS groups_known;
SELECT plan_rows('SELECT * FROM okta.group_members') AS members_guessed;
SELECT count(*) = (SELECT count(*) FROM sim.memberships) AS all_rows FROM okta.group_members;
SELECT plan_rows('SELECT * FROM okta.group_members') = (SELECT count(*) FROM sim.memberships) AS members_known;
-- a narrowed scan counts nothing
SELECT count(*) > 0 AS some FROM okta.group_members WHERE group_id = (SELECT min(id) FROM sim.groups);
SELECT plan_rows('SELECT * FROM okta.group_members') = (SELECT count(*) FROM sim.memberships) AS members_known;
DROP FUNCTION plan_rows(text), plan_of(text);
-- custom profile attributes with a type option: strings quoted, numbers and
-- booleans not, dates as ISO strings (widened to match a time after them);
-- < and > on a number attribute widen to <= and >= (Okta compares doubles)
CREATE FOREIGN TABLE typed_users (id text, login text, cost_center_code text OPTIONS (type 'string'),
  is_contractor boolean OPTIONS (type 'boolean'), badge_number bigint OPTIONS (type 'integer'),
  hourly_rate numeric OPTIONS (type 'number'), skills text[] OPTIONS (type 'array'),
  start_date date OPTIONS (type 'date'), badge_plain bigint OPTIONS (path 'profile.badgeNumber'))
  SERVER okta OPTIONS (object 'users');
EXPLAIN (COSTS OFF) SELECT id FROM typed_users WHERE badge_number = 1234 AND cost_center_code = 'CC-0042';
EXPLAIN (COSTS OFF) SELECT id FROM typed_users WHERE badge_number IN (1, 2) OR hourly_rate > 99.5;
EXPLAIN (COSTS OFF) SELECT id FROM typed_users WHERE hourly_rate >= 20 AND hourly_rate < 30.25 AND badge_number < 1000;
EXPLAIN (COSTS OFF) SELECT id FROM typed_users WHERE is_contractor AND start_date IS NOT NULL;
EXPLAIN (COSTS OFF) SELECT id FROM typed_users WHERE NOT is_contractor AND badge_number IS NOT NULL;
EXPLAIN (COSTS OFF) SELECT id FROM typed_users WHERE start_date = '2024-03-01' OR start_date > '2025-01-31';
EXPLAIN (COSTS OFF) SELECT id FROM typed_users WHERE start_date <= '2024-12-31' AND start_date IN ('2024-01-01', '2024-06-30');
EXPLAIN (COSTS OFF) SELECT id FROM typed_users WHERE cost_center_code LIKE 'CC-1%' AND cost_center_code IS NOT NULL;
-- not pushed: a column without the type option, arrays
EXPLAIN (COSTS OFF) SELECT id FROM typed_users WHERE badge_plain = 1234 AND 'Go' = ANY (skills);
PREPARE c(bigint) AS SELECT id FROM typed_users WHERE badge_number > $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE c(1000);
RESET plan_cache_mode;
DEALLOCATE c;
DROP FOREIGN TABLE typed_users;
