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

--
-- ANALYZE reads the table once, as SELECT of its columns does (the same
-- requests), keeps a sample, and makes reltuples the rows read; a new
-- session's planner then takes its row count from there
--
CREATE FOREIGN TABLE an_groups (id text, name text, type text, object_class text[],
                                profile jsonb)
  SERVER okta OPTIONS (object 'groups');
SELECT reltuples FROM pg_class WHERE oid = 'an_groups'::regclass;
SELECT sim.log_count() AS n \gset
ANALYZE an_groups;
SELECT * FROM sim.log_since(:n);
SELECT reltuples = (SELECT count(*) FROM sim.groups) AS all_rows_read
FROM pg_class WHERE oid = 'an_groups'::regclass;
-- every row is in the sample (fewer than 30,000): the statistics are the truth's
SELECT attname, null_frac, n_distinct FROM pg_stats
WHERE schemaname = 'public' AND tablename = 'an_groups' ORDER BY attname;
SELECT u.type, round(u.freq * c.reltuples) = (SELECT count(*) FROM sim.groups g
                                               WHERE g.type = u.type) AS freq_right
FROM pg_stats s, unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS u(type, freq),
     pg_class c
WHERE s.schemaname = 'public' AND s.tablename = 'an_groups' AND s.attname = 'type'
  AND c.oid = 'an_groups'::regclass
ORDER BY u.type;
\c
CREATE FUNCTION pg_temp.plan_rows(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE j json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
  RETURN (j -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
END $$;
SELECT pg_temp.plan_rows('SELECT * FROM an_groups') = (SELECT count(*) FROM sim.groups)
       AS planner_uses_reltuples;
-- a filter's rows estimated from the statistics (the most common values)
SELECT pg_temp.plan_rows('SELECT * FROM an_groups WHERE type = ''OKTA_GROUP''')
       = (SELECT count(*) FROM sim.groups WHERE type = 'OKTA_GROUP') AS local_filter_uses_stats;
-- a dropped column: the sample's rows still have the table's shape
ALTER FOREIGN TABLE an_groups DROP COLUMN name;
ANALYZE an_groups;
SELECT count(*) AS columns_with_stats FROM pg_stats
WHERE schemaname = 'public' AND tablename = 'an_groups';
-- a sample smaller than the table (300 rows of the users: statistics target
-- 1): reltuples still counts every row read, the sample is 300 distinct users
CREATE FOREIGN TABLE an_users (id text, status text) SERVER okta OPTIONS (object 'users');
SET default_statistics_target = 1;
ANALYZE an_users;
RESET default_statistics_target;
SELECT reltuples = (SELECT count(*) FROM sim.users) AS all_rows_read
FROM pg_class WHERE oid = 'an_users'::regclass;
SELECT attname, null_frac, n_distinct FROM pg_stats
WHERE schemaname = 'public' AND tablename = 'an_users' AND attname = 'id';
-- drawn from the whole table, not its first pages: the sample's highest id
-- is among the top tenth of the ids (300 draws all missing it: p = 0.9^300)
SELECT (s.histogram_bounds::text::text[])[2] >= (SELECT id FROM sim.users ORDER BY id OFFSET 9000 LIMIT 1)
       AS whole_table
FROM pg_stats s WHERE s.schemaname = 'public' AND s.tablename = 'an_users' AND s.attname = 'id';
DROP FOREIGN TABLE an_users;
-- a database-wide ANALYZE leaves foreign tables alone: no request
SELECT sim.log_count() AS n \gset
ANALYZE;
SELECT count(*) AS requests FROM sim.log_since(:n);
DROP FOREIGN TABLE an_groups;
