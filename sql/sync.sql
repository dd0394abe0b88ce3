--
-- sync: okta_sync keeps a mirror equal to the org -- the simulator's own
-- truth files -- after every round of seeded random changes: without the
-- System Log (member listings of the groups whose lastMembershipUpdated
-- moved, deletions by reconcile), with it (membership changes and
-- deletions from the log), with events published late, with Okta's whole
-- second timestamps; while a sync runs, two at once, and a failure midway.
-- This test changes the org: it runs last.
--
\getenv sim_dir OKTA_SIM_DIR
\getenv sim_url OKTA_SIM_URL
\set ca_file :sim_dir '/ca.pem'
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key \gset
SELECT sim.fresh();
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;

-- rounds of churn, each followed by okta_sync of every mirror (a
-- transaction each); with settle > 0, a sync right after the changes,
-- then another one after settle seconds (events published late arrive in
-- between)
CREATE TABLE sim.rounds (server name, target name, round int, mode text, requests bigint,
                         changes int, users bigint, groups bigint, memberships bigint);
CREATE PROCEDURE sim.churn_rounds(servers name[], targets name[], rounds int, seed int,
                                  per_round int, settle float8 DEFAULT 0)
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  d record;
  c jsonb;
BEGIN
  FOR i IN 1..rounds LOOP
    c := sim.ctl(format('churn %s seed=%s', per_round, seed + i));
    IF settle > 0 THEN
      -- a sync while the round's events become visible, more changes (in the
      -- same second, mostly), then the round's sync once all are visible
      FOR k IN 1..cardinality(targets) LOOP
        PERFORM okta_sync(servers[k], targets[k]);
        COMMIT;
      END LOOP;
      c := jsonb_build_object('count', (c->>'count')::int + (sim.ctl(format('churn %s seed=%s',
             per_round / 2, seed + 100000 + i))->>'count')::int);
      PERFORM pg_sleep(settle);
    END IF;
    CALL sim.truth_now();
    FOR k IN 1..cardinality(targets) LOOP
      SELECT * INTO r FROM okta_sync(servers[k], targets[k]);
      COMMIT;
      d := sim.mirror_diff_now(targets[k]);
      INSERT INTO sim.rounds VALUES (servers[k], targets[k], i, r.mode, r.requests,
                                     (c->>'count')::int, d.users, d.groups, d.memberships);
      COMMIT;
    END LOOP;
  END LOOP;
END $$;
-- what a run of rounds shows: rounds whose mirror differed from the truth
CREATE VIEW sim.rounds_seen AS
SELECT target, count(*) AS rounds, sum(changes) AS changes,
       count(*) FILTER (WHERE users + groups + memberships <> 0) AS rounds_differing,
       string_agg(DISTINCT mode, ',') AS modes
FROM sim.rounds GROUP BY target ORDER BY target;

-- ---- without okta.logs.read, reconciling on every call ----
CREATE SERVER okta_sync FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file', reconcile_interval '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta_sync
  OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
-- the first call loads everything; the mirror's tables
SELECT * FROM okta_sync('okta_sync', 'mirror_plain') \gset full_
SELECT :'full_mode' AS mode,
       :full_users_upserted = (SELECT count(*) FROM sim.users_now) AS all_users,
       :full_groups_upserted = (SELECT count(*) FROM sim.groups_now) AS all_groups,
       :full_memberships_added = (SELECT count(*) FROM sim.memberships_now) AS all_memberships,
       :full_users_deleted + :full_groups_deleted + :full_memberships_removed AS removed;
SELECT * FROM sim.mirror_diff('mirror_plain');
SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'mirror_plain' ORDER BY c.relname;
-- nothing changed: an incremental call asks for the changed users (none),
-- the groups and every id (reconcile_interval '0'), and changes nothing (it
-- also lists the members of groups changed within its overlap of the last
-- call, here those the tests before changed)
SELECT sim.log_count() AS before \gset
SELECT * FROM okta_sync('okta_sync', 'mirror_plain', full => false) \gset s_
SELECT :'s_mode' AS mode, :s_users_upserted + :s_users_deleted + :s_groups_upserted
       + :s_groups_deleted + :s_memberships_added + :s_memberships_removed AS changes;
SELECT regexp_replace(r, '"[0-9T:.-]+Z"', '"…"') FROM sim.log_since(:before) r
WHERE r NOT LIKE 'GET /api/v1/groups/%/users%';

-- ---- with okta.logs.read: memberships and deletions from the System Log ----
CREATE SERVER okta_sync_logs FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file',
           scopes 'okta.users.read okta.groups.read okta.logs.read');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta_sync_logs
  OPTIONS (client_id '0oalogs', private_key :'rsa_key', key_id 'k1');
SELECT mode FROM okta_sync('okta_sync_logs', 'mirror_logs');
SELECT * FROM sim.mirror_diff('mirror_logs');

-- 50 rounds of 12 random changes each, both mirrors synced after each
CALL sim.churn_rounds('{okta_sync,okta_sync_logs}', '{mirror_plain,mirror_logs}', 50, 1000, 12);
SELECT * FROM sim.rounds_seen;
-- no member listing in an incremental call: the log says what changed
SELECT sim.log_count() AS before \gset
SELECT sim.ctl('churn 12 seed=2999') IS NOT NULL AS changed;
SELECT mode FROM okta_sync('okta_sync_logs', 'mirror_logs');
SELECT count(*) FILTER (WHERE r LIKE '%/groups/%/users%') AS member_listings,
       count(*) FILTER (WHERE r LIKE 'GET /api/v1/logs?%') AS log_requests
FROM sim.log_since(:before) r;
SELECT * FROM sim.mirror_diff('mirror_logs');

-- ---- events published late and out of their order (up to 1.5 s after
-- they happen), whole-second timestamps ----
SELECT sim.ctl('log-delay 0 jitter=1.5') ->> 'ok' AS delayed;
SELECT sim.ctl('timestamps s') ->> 'ok' AS whole_seconds;
SELECT mode FROM okta_sync('okta_sync_logs', 'mirror_late');
CALL sim.churn_rounds('{okta_sync,okta_sync_logs}', '{mirror_plain,mirror_late}', 20, 3000, 12, 1.6);
SELECT * FROM sim.rounds_seen;
SELECT sim.ctl('reset') IS NOT NULL AS reset;

-- ---- a change made while a sync runs is in the mirror after the next one ----
SELECT dblink_connect('syncer', format('dbname=%s port=%s', current_database(),
                                       current_setting('port'))) AS connected;
SELECT pid AS syncer_pid FROM dblink('syncer', 'SELECT pg_backend_pid()') AS t(pid int) \gset
-- its token first, so that the delay holds a page of the sync
SELECT n > 0 AS ok FROM dblink('syncer', 'SELECT count(*) FROM mirror_plain.src_groups') AS t(n bigint);
SELECT sim.ctl('delay 1500:1 after=1') IS NOT NULL AS armed;
SELECT dblink_send_query('syncer', $$SELECT mode FROM okta_sync('okta_sync', 'mirror_plain')$$) AS sent;
SELECT pg_sleep(0.4);
SELECT id AS moved_user FROM sim.users_now WHERE status = 'ACTIVE' ORDER BY id LIMIT 1 \gset
SELECT sim.ctl(format('user-update %s title=changed-while-syncing', :'moved_user')) ->> 'ok' AS updated;
SELECT * FROM dblink_get_result('syncer') AS t(mode text);
SELECT mode FROM okta_sync('okta_sync', 'mirror_plain');
SELECT title FROM mirror_plain.users WHERE id = :'moved_user';
SELECT * FROM sim.mirror_diff('mirror_plain');

-- ---- two calls at once: the second waits for the first, both succeed ----
SELECT dblink_connect('syncer2', format('dbname=%s port=%s', current_database(),
                                        current_setting('port'))) AS connected;
SELECT sim.ctl('churn 12 seed=5000') IS NOT NULL AS changed;
SELECT dblink_send_query('syncer', $$SELECT mode FROM okta_sync('okta_sync_logs', 'mirror_logs')$$) AS sent;
SELECT dblink_send_query('syncer2', $$SELECT mode FROM okta_sync('okta_sync_logs', 'mirror_logs')$$) AS sent;
SELECT * FROM dblink_get_result('syncer') AS t(mode text);
SELECT * FROM dblink_get_result('syncer2') AS t(mode text);
SELECT * FROM sim.mirror_diff('mirror_logs');
SELECT dblink_disconnect('syncer'), dblink_disconnect('syncer2');

-- ---- a 5xx burst beyond max_retries midway leaves the mirror as it was ----
CREATE FUNCTION sim.mirror_md5(target name) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  h text;
BEGIN
  EXECUTE format('SELECT md5(string_agg(t, E''\n'')) FROM ('
                 '(SELECT x::text AS t FROM %1$I.users x ORDER BY id) UNION ALL '
                 '(SELECT x::text FROM %1$I.groups x ORDER BY id) UNION ALL '
                 '(SELECT x::text FROM %1$I.group_members x ORDER BY 1) UNION ALL '
                 '(SELECT x::text FROM %1$I.sync_state x) UNION ALL '
                 '(SELECT x::text FROM %1$I.sync_events x ORDER BY uuid)) s', target) INTO h;
  RETURN h;
END $$;
SELECT sim.mirror_md5('mirror_plain') AS before_md5 \gset
SELECT sim.ctl('churn 12 seed=6000') IS NOT NULL AS changed;
-- from the third request on, 24 fail: a listing's 6 attempts (max_retries
-- 5) fail whichever of the listings in flight (4 at most) gets them
SELECT sim.ctl('fail-next 503:24 after=2') IS NOT NULL AS armed;
SELECT sim.try($$SELECT * FROM okta_sync('okta_sync', 'mirror_plain')$$);
SELECT sim.mirror_md5('mirror_plain') = :'before_md5' AS unchanged;
SELECT sim.ctl('reset') IS NOT NULL AS disarmed;
SELECT mode FROM okta_sync('okta_sync', 'mirror_plain');
SELECT * FROM sim.mirror_diff('mirror_plain');

-- ---- without the log and reconcile_interval 1 day: a deleted user stays
-- in the mirror until the next reconcile (the one thing Okta cannot tell) ----
ALTER SERVER okta_sync OPTIONS (SET reconcile_interval '1 day');
SELECT mode FROM okta_sync('okta_sync', 'mirror_plain', full => true);
SELECT id AS gone_user FROM sim.users_now WHERE status = 'DEPROVISIONED' ORDER BY id LIMIT 1 \gset
SELECT sim.ctl(format('user-delete %s', :'gone_user')) ->> 'deleted' AS deleted;
SELECT mode, users_deleted FROM okta_sync('okta_sync', 'mirror_plain');
SELECT count(*) AS still_there FROM mirror_plain.users WHERE id = :'gone_user';
ALTER SERVER okta_sync OPTIONS (SET reconcile_interval '0');
SELECT mode, users_deleted FROM okta_sync('okta_sync', 'mirror_plain');
SELECT * FROM sim.mirror_diff('mirror_plain');
ALTER SERVER okta_sync OPTIONS (SET reconcile_interval 'soon');
ALTER SERVER okta_sync OPTIONS (SET reconcile_interval '-1 hour');

-- okta_sync's requests are in okta_stats
SELECT sum(requests) > 0 AS counted FROM okta_stats() WHERE server = 'okta_sync_logs';
-- a missing server
SELECT sim.try($$SELECT * FROM okta_sync('no_such_server')$$);
