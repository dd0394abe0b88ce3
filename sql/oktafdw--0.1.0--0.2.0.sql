/* oktafdw--0.1.0--0.2.0.sql: okta_sync(), a directory mirror kept fresh */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION oktafdw UPDATE TO '0.2.0'" to load this file. \quit

/*
 * The mirror's tables in schema target: users, groups, group_members,
 * sync_state and sync_events (the log events applied lately), and the
 * foreign tables the sync reads (src_*), made by IMPORT FOREIGN SCHEMA so
 * that they have the server's columns (custom attributes too).
 */
CREATE FUNCTION okta_sync_prepare(server name, target name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $fn$
DECLARE
  scratch text := 'oktafdw_sync_' || pg_backend_pid();
BEGIN
  EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', target);
  IF to_regclass(format('%I.sync_state', target)) IS NOT NULL THEN
    RETURN;
  END IF;
  -- the source tables, imported into a scratch schema, then moved
  EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', scratch);
  EXECUTE format('CREATE SCHEMA %I', scratch);
  EXECUTE format('IMPORT FOREIGN SCHEMA okta LIMIT TO (users, groups, group_members, system_log) '
                 'FROM SERVER %I INTO %I', server, scratch);
  EXECUTE format('ALTER FOREIGN TABLE %I.users RENAME TO src_users', scratch);
  EXECUTE format('ALTER FOREIGN TABLE %I.groups RENAME TO src_groups', scratch);
  EXECUTE format('ALTER FOREIGN TABLE %I.group_members RENAME TO src_group_members', scratch);
  EXECUTE format('ALTER FOREIGN TABLE %I.system_log RENAME TO src_system_log', scratch);
  EXECUTE format('ALTER FOREIGN TABLE %I.src_users SET SCHEMA %I', scratch, target);
  EXECUTE format('ALTER FOREIGN TABLE %I.src_groups SET SCHEMA %I', scratch, target);
  EXECUTE format('ALTER FOREIGN TABLE %I.src_group_members SET SCHEMA %I', scratch, target);
  EXECUTE format('ALTER FOREIGN TABLE %I.src_system_log SET SCHEMA %I', scratch, target);
  EXECUTE format('DROP SCHEMA %I', scratch);
  -- only ids: a `fields` projection of id and status (reconcile)
  EXECUTE format('CREATE FOREIGN TABLE %I.src_user_ids (id text) SERVER %I '
                 'OPTIONS (object %L)', target, server, 'users');

  EXECUTE format('CREATE TABLE %I.users (LIKE %I.src_users, PRIMARY KEY (id))', target, target);
  EXECUTE format('CREATE TABLE %I.groups (LIKE %I.src_groups, PRIMARY KEY (id))', target, target);
  EXECUTE format('CREATE TABLE %I.group_members (group_id text NOT NULL, user_id text NOT NULL, '
                 'PRIMARY KEY (group_id, user_id))', target);
  EXECUTE format('CREATE INDEX ON %I.group_members (user_id)', target);
  EXECUTE format('CREATE TABLE %I.sync_state (server name NOT NULL, '
                 'synced_at timestamptz, full_at timestamptz, reconciled_at timestamptz, '
                 'users_watermark timestamptz, log_watermark timestamptz, '
                 'last_mode text, last_requests bigint)', target);
  EXECUTE format('CREATE TABLE %I.sync_events (uuid text PRIMARY KEY, published timestamptz NOT NULL, '
                 'event_type text NOT NULL, group_id text, user_id text)', target);
  EXECUTE format('CREATE INDEX ON %I.sync_events (group_id, user_id, published)', target);
END
$fn$;

REVOKE ALL ON FUNCTION okta_sync_prepare(name, name) FROM PUBLIC;

CREATE FUNCTION okta_sync(server name, "into" name DEFAULT 'okta_mirror',
                          "full" boolean DEFAULT false)
RETURNS TABLE (mode text, requests bigint, users_upserted bigint, users_deleted bigint,
               groups_upserted bigint, groups_deleted bigint, memberships_added bigint,
               memberships_removed bigint, duration_ms double precision)
LANGUAGE plpgsql
SET client_min_messages = warning
AS $fn$
#variable_conflict use_column
DECLARE
  srv name := $1;
  tgt name := $2;
  -- an overlap for changes whose timestamps land in the past: Okta's
  -- clocks, and log events published late
  overlap interval := interval '2 minutes';
  t0 timestamptz := clock_timestamp();
  start_at timestamptz;
  st record;
  opts text[];
  logs boolean;
  reconcile interval;
  is_full boolean;
  do_reconcile boolean;
  req0 bigint;
  req1 bigint;
  cols text;
  sets text;
  n bigint;
  everyone text;
  relist text[];
  wm timestamptz;
  lwm timestamptz;
  ev record;
  uid text;
  gid text;
  u_up bigint := 0; u_del bigint := 0; g_up bigint := 0; g_del bigint := 0;
  m_add bigint := 0; m_del bigint := 0;
  -- the extension's schema (it is relocatable)
  ext name := (SELECT n.nspname FROM pg_catalog.pg_extension e
                 JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                WHERE e.extname = 'oktafdw');
BEGIN
  IF srv IS NULL OR tgt IS NULL THEN
    RAISE EXCEPTION 'okta_sync needs a server and a target schema';
  END IF;
  SELECT srvoptions INTO opts FROM pg_catalog.pg_foreign_server WHERE srvname = srv;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'server "%" does not exist', srv USING ERRCODE = '42704';
  END IF;
  -- one sync of a target at a time: the second waits, then sees the first's
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('oktafdw.okta_sync'),
                                           pg_catalog.hashtext(tgt));
  start_at := clock_timestamp();
  EXECUTE format('SELECT %I.okta_sync_prepare($1, $2)', ext) USING srv, tgt;

  SELECT ' ' || option_value || ' ' LIKE '% okta.logs.read %' INTO logs
    FROM pg_catalog.pg_options_to_table(opts) WHERE option_name = 'scopes';
  logs := coalesce(logs, false);
  SELECT option_value::interval INTO reconcile
    FROM pg_catalog.pg_options_to_table(opts) WHERE option_name = 'reconcile_interval';
  reconcile := coalesce(reconcile, interval '1 day');

  EXECUTE format('SELECT * FROM %I.sync_state', tgt) INTO st;
  is_full := $3 OR st.server IS NULL OR st.server IS DISTINCT FROM srv
             OR st.users_watermark IS NULL OR (logs AND st.log_watermark IS NULL);
  do_reconcile := is_full OR (NOT logs AND (st.reconciled_at IS NULL
                                            OR st.reconciled_at + reconcile <= start_at));
  EXECUTE format('SELECT coalesce(sum(s.requests + s.token_requests), 0) '
                 'FROM %I.okta_stats() s WHERE s.server = $1', ext) INTO req0 USING srv;

  -- the users' columns, as the mirror has them
  SELECT string_agg(format('%I', attname), ', ' ORDER BY attnum),
         string_agg(format('%1$I = EXCLUDED.%1$I', attname), ', ' ORDER BY attnum)
    INTO cols, sets
    FROM pg_catalog.pg_attribute
   WHERE attrelid = format('%I.users', tgt)::regclass AND attnum > 0 AND NOT attisdropped;

  -- ---- users: every one, or those changed since the watermark ----
  DROP TABLE IF EXISTS pg_temp.okta_sync_users;
  EXECUTE format('CREATE TEMP TABLE okta_sync_users (LIKE %I.users)', tgt);
  IF is_full THEN
    EXECUTE format('INSERT INTO okta_sync_users (%s) SELECT %s FROM %I.src_users', cols, cols, tgt);
  ELSE
    -- filter=lastUpdated gt: strongly consistent (search is not)
    EXECUTE format('INSERT INTO okta_sync_users (%s) SELECT %s FROM %I.src_users WHERE last_updated > $1',
                   cols, cols, tgt) USING st.users_watermark - overlap;
  END IF;
  EXECUTE format('INSERT INTO %1$I.users AS m (%2$s) SELECT %2$s FROM okta_sync_users '
                 'ON CONFLICT (id) DO UPDATE SET %3$s WHERE (m.*) IS DISTINCT FROM (EXCLUDED.*)',
                 tgt, cols, sets);
  GET DIAGNOSTICS u_up = ROW_COUNT;

  -- deleted users: gone from the full listing; else from the log, or from
  -- an id-only listing every reconcile_interval
  IF do_reconcile THEN
    DROP TABLE IF EXISTS pg_temp.okta_sync_ids;
    CREATE TEMP TABLE okta_sync_ids (id text PRIMARY KEY);
    IF is_full THEN
      INSERT INTO okta_sync_ids SELECT id FROM okta_sync_users;
    ELSE
      EXECUTE format('INSERT INTO okta_sync_ids SELECT id FROM %I.src_user_ids', tgt);
    END IF;
    EXECUTE format('WITH d AS (DELETE FROM %1$I.group_members m WHERE NOT EXISTS '
                   '(SELECT FROM okta_sync_ids i WHERE i.id = m.user_id) RETURNING 1) '
                   'SELECT count(*) FROM d', tgt) INTO n;
    m_del := m_del + n;
    EXECUTE format('DELETE FROM %1$I.users u WHERE NOT EXISTS '
                   '(SELECT FROM okta_sync_ids i WHERE i.id = u.id)', tgt);
    GET DIAGNOSTICS n = ROW_COUNT;
    u_del := u_del + n;
    st.reconciled_at := start_at;
  END IF;

  -- ---- groups: the listing is small; new, changed and deleted ones ----
  DROP TABLE IF EXISTS pg_temp.okta_sync_groups;
  EXECUTE format('CREATE TEMP TABLE okta_sync_groups AS SELECT * FROM %I.src_groups', tgt);
  SELECT id INTO everyone FROM okta_sync_groups WHERE type = 'BUILT_IN' AND name = 'Everyone';
  -- whose members to list: all (full), else new groups and those whose
  -- lastMembershipUpdated moved, or is within the overlap of the last
  -- call (Okta writes whole seconds: a change later in the same second as
  -- the listing the last call read leaves it as it was); Everyone is derived
  IF is_full THEN
    SELECT coalesce(array_agg(id), '{}') INTO relist FROM okta_sync_groups
     WHERE id IS DISTINCT FROM everyone;
  ELSIF NOT logs THEN
    EXECUTE format('SELECT coalesce(array_agg(g.id), ''{}'') FROM okta_sync_groups g '
                   'LEFT JOIN %I.groups m ON m.id = g.id WHERE g.id IS DISTINCT FROM $1 '
                   'AND (m.id IS NULL OR m.last_membership_updated IS DISTINCT FROM g.last_membership_updated '
                   'OR g.last_membership_updated >= $2)',
                   tgt) INTO relist USING everyone, st.synced_at - overlap;
  ELSE
    relist := '{}';
  END IF;
  -- the memberships of deleted groups (by the index's group_id)
  EXECUTE format('WITH d AS (DELETE FROM %1$I.group_members m WHERE m.group_id IN '
                 '(SELECT g.id FROM %1$I.groups g WHERE NOT EXISTS '
                 '(SELECT FROM okta_sync_groups s WHERE s.id = g.id)) RETURNING 1) '
                 'SELECT count(*) FROM d', tgt) INTO n;
  m_del := m_del + n;
  EXECUTE format('DELETE FROM %1$I.groups m WHERE NOT EXISTS '
                 '(SELECT FROM okta_sync_groups g WHERE g.id = m.id)', tgt);
  GET DIAGNOSTICS g_del = ROW_COUNT;
  EXECUTE format('INSERT INTO %1$I.groups AS m SELECT * FROM okta_sync_groups '
                 'ON CONFLICT (id) DO UPDATE SET (created, last_updated, last_membership_updated, '
                 'type, object_class, name, description, profile) = (EXCLUDED.created, '
                 'EXCLUDED.last_updated, EXCLUDED.last_membership_updated, EXCLUDED.type, '
                 'EXCLUDED.object_class, EXCLUDED.name, EXCLUDED.description, EXCLUDED.profile) '
                 'WHERE (m.*) IS DISTINCT FROM (EXCLUDED.*)', tgt);
  GET DIAGNOSTICS g_up = ROW_COUNT;

  -- ---- memberships: the member listings of some groups ... ----
  IF cardinality(relist) > 0 THEN
    DROP TABLE IF EXISTS pg_temp.okta_sync_members;
    CREATE TEMP TABLE okta_sync_members (group_id text, user_id text);
    EXECUTE format('INSERT INTO okta_sync_members SELECT group_id, user_id '
                   'FROM %I.src_group_members WHERE group_id = ANY ($1)', tgt) USING relist;
    EXECUTE format('WITH d AS (DELETE FROM %1$I.group_members m WHERE m.group_id = ANY ($1) '
                   'AND NOT EXISTS (SELECT FROM okta_sync_members s WHERE s.group_id = m.group_id '
                   'AND s.user_id = m.user_id) RETURNING 1) SELECT count(*) FROM d', tgt)
      INTO n USING relist;
    m_del := m_del + n;
    EXECUTE format('INSERT INTO %1$I.group_members SELECT DISTINCT s.group_id, s.user_id '
                   'FROM okta_sync_members s JOIN %1$I.users u ON u.id = s.user_id '
                   'ON CONFLICT DO NOTHING', tgt);
    GET DIAGNOSTICS n = ROW_COUNT;
    m_add := m_add + n;
  END IF;

  -- ---- ... or the System Log: membership changes and user deletions ----
  IF logs THEN
    lwm := CASE WHEN is_full THEN start_at ELSE st.log_watermark END;
    IF NOT is_full THEN
      FOR ev IN EXECUTE format(
          'SELECT uuid, published, event_type, target FROM %I.src_system_log '
          'WHERE published >= $1 AND event_type IN (''group.user_membership.add'', '
          '''group.user_membership.remove'', ''user.lifecycle.delete.completed'') '
          'ORDER BY published', tgt) USING st.log_watermark - overlap
      LOOP
        lwm := greatest(lwm, ev.published);
        -- each event once (the overlap reads some again)
        EXECUTE format('SELECT 1 FROM %I.sync_events WHERE uuid = $1', tgt) INTO n USING ev.uuid;
        CONTINUE WHEN n IS NOT NULL;
        uid := NULL;
        gid := NULL;
        SELECT t->>'id' INTO uid FROM jsonb_array_elements(ev.target) t
         WHERE t->>'type' = 'User' LIMIT 1;
        SELECT t->>'id' INTO gid FROM jsonb_array_elements(ev.target) t
         WHERE t->>'type' = 'UserGroup' LIMIT 1;
        EXECUTE format('INSERT INTO %I.sync_events VALUES ($1, $2, $3, $4, $5)', tgt)
          USING ev.uuid, ev.published, ev.event_type, gid, uid;
        IF ev.event_type = 'user.lifecycle.delete.completed' THEN
          CONTINUE WHEN uid IS NULL;
          EXECUTE format('DELETE FROM %I.group_members WHERE user_id = $1', tgt) USING uid;
          GET DIAGNOSTICS n = ROW_COUNT;
          m_del := m_del + n;
          EXECUTE format('DELETE FROM %I.users WHERE id = $1', tgt) USING uid;
          GET DIAGNOSTICS n = ROW_COUNT;
          u_del := u_del + n;
          CONTINUE;
        END IF;
        CONTINUE WHEN uid IS NULL OR gid IS NULL OR gid IS NOT DISTINCT FROM everyone;
        -- a late event that a later one of the same membership overrides
        n := NULL;
        EXECUTE format('SELECT 1 FROM %I.sync_events WHERE group_id = $1 AND user_id = $2 '
                       'AND published > $3 LIMIT 1', tgt) INTO n USING gid, uid, ev.published;
        CONTINUE WHEN n IS NOT NULL;
        IF ev.event_type = 'group.user_membership.add' THEN
          EXECUTE format('INSERT INTO %1$I.group_members SELECT $1, $2 '
                         'WHERE EXISTS (SELECT FROM %1$I.users WHERE id = $2) '
                         'AND EXISTS (SELECT FROM %1$I.groups WHERE id = $1) '
                         'ON CONFLICT DO NOTHING', tgt) USING gid, uid;
        ELSE
          EXECUTE format('DELETE FROM %I.group_members WHERE group_id = $1 AND user_id = $2', tgt)
            USING gid, uid;
        END IF;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF ev.event_type = 'group.user_membership.add' THEN
          m_add := m_add + n;
        ELSE
          m_del := m_del + n;
        END IF;
      END LOOP;
      EXECUTE format('DELETE FROM %I.sync_events WHERE published < $1', tgt)
        USING lwm - 2 * overlap;
    END IF;
  END IF;

  -- ---- Everyone: every user, derived (never listed); a deleted user's
  -- memberships went with it, so an incremental call adds the users it read
  IF everyone IS NOT NULL THEN
    IF is_full THEN
      EXECUTE format('WITH d AS (DELETE FROM %1$I.group_members m WHERE m.group_id = $1 '
                     'AND NOT EXISTS (SELECT FROM %1$I.users u WHERE u.id = m.user_id) RETURNING 1) '
                     'SELECT count(*) FROM d', tgt) INTO n USING everyone;
      m_del := m_del + n;
      EXECUTE format('INSERT INTO %1$I.group_members SELECT $1, id FROM %1$I.users '
                     'ON CONFLICT DO NOTHING', tgt) USING everyone;
    ELSE
      EXECUTE format('INSERT INTO %1$I.group_members SELECT $1, s.id FROM okta_sync_users s '
                     'JOIN %1$I.users u ON u.id = s.id ON CONFLICT DO NOTHING', tgt) USING everyone;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    m_add := m_add + n;
  END IF;

  -- the watermark: Okta's own timestamps, the latest read
  SELECT max(last_updated) INTO wm FROM okta_sync_users;
  wm := greatest(wm, st.users_watermark);
  EXECUTE format('SELECT coalesce(sum(s.requests + s.token_requests), 0) '
                 'FROM %I.okta_stats() s WHERE s.server = $1', ext) INTO req1 USING srv;
  EXECUTE format('DELETE FROM %I.sync_state', tgt);
  EXECUTE format('INSERT INTO %I.sync_state VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', tgt)
    USING srv, start_at, CASE WHEN is_full THEN start_at ELSE st.full_at END,
          st.reconciled_at, coalesce(wm, st.users_watermark, start_at),
          CASE WHEN logs THEN lwm END,
          CASE WHEN is_full THEN 'full' ELSE 'incremental' END, req1 - req0;
  DROP TABLE IF EXISTS pg_temp.okta_sync_users, pg_temp.okta_sync_ids,
    pg_temp.okta_sync_groups, pg_temp.okta_sync_members;

  RETURN QUERY SELECT CASE WHEN is_full THEN 'full' ELSE 'incremental' END, req1 - req0,
    u_up, u_del, g_up, g_del, m_add, m_del,
    (extract(epoch FROM clock_timestamp() - t0) * 1000)::double precision;
END
$fn$;

COMMENT ON FUNCTION okta_sync(name, name, boolean) IS
  'keep a mirror of the org (users, groups, group_members) in schema "into" fresh: a full load, then only what changed';
