--
-- cron: materialized views of the directory refreshed on a schedule by
-- pg_cron (loaded by the test cluster), picking up changes made in Okta
--
CREATE EXTENSION pg_cron;
CREATE MATERIALIZED VIEW directory AS
  SELECT id, login, status, department, last_updated FROM okta.users;
CREATE UNIQUE INDEX ON directory (id);
CREATE MATERIALIZED VIEW directory_groups AS
  SELECT group_id, user_id, login FROM okta.group_members;
CREATE UNIQUE INDEX ON directory_groups (group_id, user_id);
SELECT count(*) = (SELECT count(*) FROM sim.users) AS all_users FROM directory;
SELECT count(*) = (SELECT count(*) FROM sim.memberships) AS all_memberships FROM directory_groups;
-- both refreshed by one two-statement command, as a client may send it
REFRESH MATERIALIZED VIEW CONCURRENTLY directory \; REFRESH MATERIALIZED VIEW CONCURRENTLY directory_groups;

-- okta_sync on the same schedule: a mirror loaded now (reconciling on
-- every call, so that it equals the org in full), then the job
ALTER SERVER okta OPTIONS (ADD reconcile_interval '0');
SELECT mode FROM okta_sync('okta', 'cron_mirror');

-- an admin changes a user in Okta
SELECT id AS uid, status AS old_status FROM sim.users
  WHERE status = 'ACTIVE' AND department IS DISTINCT FROM 'Security Review' ORDER BY id LIMIT 1 \gset
\setenv CRON_UID :uid
\! $OKTA_SIM_CTL update-user "{\"id\": \"$CRON_UID\", \"status\": \"SUSPENDED\", \"profile\": {\"department\": \"Security Review\"}}" | grep -c ok
SELECT status, department FROM directory WHERE id = :'uid';
-- ... and adds them to a group
SELECT g.id AS gid FROM sim.groups g WHERE g.type = 'OKTA_GROUP'
  AND NOT EXISTS (SELECT 1 FROM sim.memberships m WHERE m.group_id = g.id AND m.user_id = :'uid')
  ORDER BY g.id LIMIT 1 \gset
\setenv CRON_GID :gid
\! $OKTA_SIM_CTL add-member "$CRON_GID" "$CRON_UID" | grep -c ok
SELECT count(*) FROM directory_groups WHERE group_id = :'gid' AND user_id = :'uid';

-- ... and 20 other changes of every kind
SELECT (sim.ctl('churn 20 seed=77') ->> 'count')::int AS changes;

-- the refresh jobs and the sync, every minute: one statement per job (with
-- background workers, pg_cron 1.4 did not complete a two-statement job here)
SELECT cron.schedule('refresh-directory', '* * * * *',
  'REFRESH MATERIALIZED VIEW CONCURRENTLY directory') AS jobid;
SELECT cron.schedule('refresh-directory-groups', '* * * * *',
  'REFRESH MATERIALIZED VIEW CONCURRENTLY directory_groups') AS jobid;
SELECT cron.schedule('okta-sync', '* * * * *',
  $$SELECT * FROM okta_sync('okta', 'cron_mirror')$$) AS jobid;
-- wait (at most 3 minutes) for a run of each job to finish
DO $$
DECLARE
  done bigint;
BEGIN
  FOR i IN 1..180 LOOP
    SELECT count(DISTINCT j.jobname) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
      WHERE d.status IN ('succeeded', 'failed') INTO done;
    EXIT WHEN done = 3;
    PERFORM pg_sleep(1);
  END LOOP;
END $$;
SELECT DISTINCT ON (j.jobname) j.jobname, d.status, d.return_message
FROM cron.job_run_details d JOIN cron.job j USING (jobid)
WHERE d.status IN ('succeeded', 'failed')
ORDER BY j.jobname, d.runid;
SELECT cron.unschedule('refresh-directory'), cron.unschedule('refresh-directory-groups'),
       cron.unschedule('okta-sync');
-- the refreshed views show the change, and still every row
SELECT status, department FROM directory WHERE id = :'uid';
SELECT count(*) FROM directory_groups WHERE group_id = :'gid' AND user_id = :'uid';
SELECT count(*) = (SELECT count(*) FROM sim.users_now) AS all_users FROM directory;
SELECT count(*) = (SELECT count(*) FROM sim.memberships_now) AS all_memberships FROM directory_groups;
-- the mirror converged: equal to the org, every column
SELECT last_mode FROM cron_mirror.sync_state;
SELECT * FROM sim.mirror_diff('cron_mirror');
SELECT status, department FROM cron_mirror.users WHERE id = :'uid';
SELECT count(*) FROM cron_mirror.group_members WHERE group_id = :'gid' AND user_id = :'uid';
ALTER SERVER okta OPTIONS (DROP reconcile_interval);
