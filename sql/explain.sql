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
-- ANALYZE VERBOSE adds what the scan did (sim.explain_analyze: the same
-- lines on every version)
SELECT l AS "QUERY PLAN" FROM sim.explain_analyze('SELECT count(*) FROM okta.groups', true) AS l;
