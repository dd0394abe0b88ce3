--
-- system_log: the System Log as a table.  published's ranges become since
-- and until, event_type/severity/actor_id/outcome_result filter, ORDER BY
-- published sortOrder; Okta's defaults never leak into SQL (no lower bound
-- asks for 90 days, there is always an until).  Each pushed query returns
-- what the same query returns with pushdown 'false'.
--
\getenv sim_dir OKTA_SIM_DIR
\getenv sim_url OKTA_SIM_URL
\set ca_file :sim_dir '/ca.pem'
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key \gset
SELECT sim.fresh();

-- an app with okta.logs.read, and the table twice: pushed and not
CREATE SERVER okta_logs FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file',
           scopes 'okta.users.read okta.groups.read okta.logs.read');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta_logs
  OPTIONS (client_id '0oalogs', private_key :'rsa_key', key_id 'k1');
CREATE SCHEMA logs;
IMPORT FOREIGN SCHEMA okta LIMIT TO (system_log) FROM SERVER okta_logs INTO logs;
CREATE SCHEMA logs_local;
IMPORT FOREIGN SCHEMA okta LIMIT TO (system_log) FROM SERVER okta_logs INTO logs_local;
ALTER FOREIGN TABLE logs_local.system_log OPTIONS (ADD pushdown 'false');
\d logs.system_log

-- 3,000 sign-in events spread over the last 100 days (Okta keeps 90); the
-- logs bucket (120 a minute) raised for this test's many scans
SELECT (sim.ctl('log-seed 3000 days=100 seed=7') ->> 'ok')::boolean AS seeded;
SELECT sim.ctl('rate-limit 100000 logs') ->> 'ok' AS raised;
-- times in UTC: days of 24 hours
SET timezone = 'UTC';
SELECT date_trunc('day', now()) AS today \gset

-- requests as the simulator saw them, times shown against now and today
CREATE FUNCTION sim.log_times(r text, today timestamptz, event timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  m text[];
  ts timestamptz;
  shown text;
BEGIN
  FOR m IN SELECT regexp_matches(r, '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z', 'g') LOOP
    ts := m[1]::timestamptz;
    shown := CASE
      WHEN ts = event THEN '{event}'
      WHEN ts = event + interval '1 ms' THEN '{event + 1 ms}'
      WHEN abs(extract(epoch FROM ts - now())) < 120 THEN '{now}'
      WHEN abs(extract(epoch FROM ts - (now() - interval '2160 hours'))) < 120 THEN '{now - 90 days}'
      ELSE format('{today %s}', ts - today) END;
    r := replace(r, m[1], shown);
  END LOOP;
  RETURN r;
END $$;
-- a query on the pushed table and on the other: the same rows?  the
-- requests the first one made
CREATE FUNCTION sim.log_compare(q text, today timestamptz, OUT same boolean,
                                OUT any_rows boolean, OUT requests text,
                                event timestamptz DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
  SELECT c.same, c.nrows > 0, sim.log_times(c.requests, today, event) INTO same, any_rows, requests
  FROM sim.compare(replace(q, '{t}', 'logs'), replace(q, '{t}', 'logs_local')) c;
END $$;
\pset format unaligned
\pset fieldsep ' | '
\set q 'SELECT uuid, published, event_type, severity, actor_id, outcome_result, target, event FROM {t}.system_log WHERE '

-- no bound: since = now - 90 days, until = now; nothing older than 90 days
SELECT * FROM sim.log_compare('SELECT uuid, published FROM {t}.system_log', :'today');
SELECT count(*) > 0 AS some, min(published) > now() - interval '2160 hours 2 minutes' AS within_90_days,
       max(published) <= now() AS until_now
FROM logs.system_log;
-- published's bounds: since inclusive, until exclusive, whole milliseconds
-- rounded so that the request only widens
SELECT * FROM sim.log_compare(:'q' || format('published >= %L', :'today'::timestamptz - interval '10 days'), :'today');
SELECT * FROM sim.log_compare(:'q' || format('published > %L', :'today'::timestamptz - interval '10 days'), :'today');
SELECT * FROM sim.log_compare(:'q' || format('published >= %L', :'today'::timestamptz - interval '10 days' + interval '0.0005 s'), :'today');
SELECT * FROM sim.log_compare(:'q' || format('published < %L', :'today'::timestamptz - interval '80 days'), :'today');
SELECT * FROM sim.log_compare(:'q' || format('published <= %L', :'today'::timestamptz - interval '80 days'), :'today');
SELECT * FROM sim.log_compare(:'q' || format('published < %L', :'today'::timestamptz - interval '80 days' + interval '0.0005 s'), :'today');
SELECT * FROM sim.log_compare(:'q' || format('published BETWEEN %L AND %L', :'today'::timestamptz - interval '20 days', :'today'::timestamptz - interval '19 days'), :'today');
-- one event's exact time: since = it, until = the next millisecond
SELECT published AS one_ts, uuid AS one_uuid FROM logs.system_log
WHERE published < :'today'::timestamptz - interval '30 days' ORDER BY published DESC LIMIT 1 \gset
SELECT * FROM sim.log_compare(:'q' || format('published = %L', :'one_ts'), :'today', event => :'one_ts');
SELECT count(*) FROM logs.system_log WHERE published = :'one_ts' AND uuid = :'one_uuid';
-- a lower bound older than Okta's 90 days (it refuses since over 180 days
-- back): the same as 90 days; an upper bound in the future: now
SELECT * FROM sim.log_compare(:'q' || $$published > now() - interval '400 days'$$, :'today');
SELECT * FROM sim.log_compare(:'q' || format('published < now() + interval ''1 day'' AND published > %L', :'today'::timestamptz - interval '5 days'), :'today');
-- no event can match: no request
SELECT * FROM sim.log_compare(:'q' || format('published > %L AND published < %L', :'today'::timestamptz - interval '5 days', :'today'::timestamptz - interval '6 days'), :'today');
SELECT * FROM sim.log_compare(:'q' || $$published > 'infinity'$$, :'today');
SELECT * FROM sim.log_compare(:'q' || format('published < ''infinity'' AND published > %L', :'today'::timestamptz - interval '1 day'), :'today');
SELECT * FROM sim.log_compare(:'q' || $$published = NULL::timestamptz$$, :'today');

-- filter: event_type, severity, actor_id, outcome_result with = and IN
SELECT * FROM sim.log_compare(:'q' || $$event_type = 'user.session.start'$$, :'today');
SELECT * FROM sim.log_compare(:'q' || $$event_type IN ('user.session.end', 'policy.evaluate_sign_on') AND severity = 'INFO'$$, :'today');
SELECT * FROM sim.log_compare(:'q' || $$outcome_result = 'FAILURE' OR severity = 'WARN'$$, :'today');
SELECT actor_id AS an_actor FROM logs.system_log WHERE event_type = 'user.session.start'
ORDER BY published DESC LIMIT 1 \gset
SELECT same, any_rows, replace(requests, :'an_actor', '{actor}') AS requests
FROM sim.log_compare(:'q' || format('actor_id = %L AND published > %L', :'an_actor', :'today'::timestamptz - interval '60 days'), :'today');
-- Okta's filter may compare strings without case: rechecked here
SELECT * FROM sim.log_compare(:'q' || $$event_type = 'USER.SESSION.START'$$, :'today');
-- not pushed, filtered here: LIKE, NOT, other columns, an OR with one
SELECT * FROM sim.log_compare(:'q' || $$display_message LIKE 'User login%'$$, :'today');
SELECT same, requests FROM sim.log_compare(:'q' || $$event_type <> 'user.session.start' AND severity = 'WARN'$$, :'today');
SELECT * FROM sim.log_compare(:'q' || $$event_type = 'user.session.start' OR client_ip IS NULL$$, :'today');

-- ORDER BY published [DESC] LIMIT n: sortOrder and limit, no Sort
\pset format aligned
EXPLAIN (COSTS OFF) SELECT uuid, published FROM logs.system_log ORDER BY published DESC LIMIT 10;
EXPLAIN (COSTS OFF) SELECT uuid FROM logs.system_log WHERE severity = 'WARN' ORDER BY published LIMIT 5;
EXPLAIN (COSTS OFF) SELECT uuid FROM logs.system_log ORDER BY published DESC, uuid LIMIT 5;
EXPLAIN (COSTS OFF) SELECT uuid FROM logs.system_log ORDER BY event_type LIMIT 5;
EXPLAIN (COSTS OFF) SELECT uuid FROM logs_local.system_log ORDER BY published DESC LIMIT 10;
\pset format unaligned
SELECT * FROM sim.log_compare('SELECT uuid, published FROM {t}.system_log ORDER BY published DESC LIMIT 10', :'today');
SELECT * FROM sim.log_compare('SELECT uuid, published FROM {t}.system_log WHERE severity = ''WARN'' ORDER BY published LIMIT 5', :'today');
SELECT * FROM sim.log_compare('SELECT uuid FROM {t}.system_log LIMIT 3', :'today');
-- in that order, page after page
SELECT bool_and(published <= lag) AS descending FROM (
  SELECT published, lag(published) OVER () FROM (
    SELECT published FROM logs.system_log ORDER BY published DESC LIMIT 1500) s) t;
-- EXPLAIN without running: what is not known yet is named
\pset format aligned
EXPLAIN (COSTS OFF) SELECT * FROM logs.system_log;
PREPARE logq(timestamptz) AS SELECT uuid FROM logs.system_log WHERE published >= $1;
EXPLAIN (COSTS OFF) EXECUTE logq('2026-01-01');
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE logq('2026-01-01');
RESET plan_cache_mode;
DEALLOCATE logq;

-- the columns: each from its field; event is the whole event
SELECT count(*) AS events,
       count(*) FILTER (WHERE event->>'uuid' = uuid AND (event->>'published')::timestamptz = published
                        AND event->>'eventType' = event_type AND event->>'severity' = severity
                        AND event->'actor'->>'id' IS NOT DISTINCT FROM actor_id
                        AND event->'actor'->>'type' IS NOT DISTINCT FROM actor_type
                        AND event->'actor'->>'alternateId' IS NOT DISTINCT FROM actor_alternate_id
                        AND event->'actor'->>'displayName' IS NOT DISTINCT FROM actor_display_name
                        AND event->'client'->>'ipAddress' IS NOT DISTINCT FROM client_ip
                        AND event->'outcome'->>'result' IS NOT DISTINCT FROM outcome_result
                        AND event->'outcome'->>'reason' IS NOT DISTINCT FROM outcome_reason
                        AND event->'transaction'->>'id' IS NOT DISTINCT FROM transaction_id
                        AND event->'target' IS NOT DISTINCT FROM target
                        AND event->'debugContext'->'debugData' IS NOT DISTINCT FROM debug_context
                        AND event->>'displayMessage' IS NOT DISTINCT FROM display_message) AS consistent
FROM logs.system_log \gset
SELECT :events > 2000 AS many, :events = :consistent AS every_column_from_its_field;

-- without the scope: 42501, and the hint names it
SELECT sim.try('SELECT count(*) FROM okta.system_log');
