--
-- apps, app_users, app_groups, user_factors, user_roles: each table equals
-- the simulator's truth column by column; pushdown (lookups by id, filter,
-- parent ids, join parameters) gives what pushdown 'false' gives; fan-outs
-- run max_concurrency at a time and are refused above max_fanout; no
-- secret ever shows; the README cookbook's queries.
--
\getenv sim_dir OKTA_SIM_DIR
\getenv sim_url OKTA_SIM_URL
\set ca_file :sim_dir '/ca.pem'
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key \gset
SELECT sim.fresh();
-- this test's many requests: every bucket raised
SELECT sim.ctl('rate-limit 1000000') ->> 'ok' AS raised;

-- an app with every read scope; the tables twice: pushed and not
CREATE SERVER okta_apps FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file', max_concurrency '8',
           scopes 'okta.users.read okta.groups.read okta.apps.read okta.roles.read');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta_apps
  OPTIONS (client_id '0oaall', private_key :'rsa_key', key_id 'k1');
CREATE SCHEMA apps;
IMPORT FOREIGN SCHEMA okta LIMIT TO (users, apps, app_users, app_groups, user_factors, user_roles)
  FROM SERVER okta_apps INTO apps;
CREATE SCHEMA apps_local;
IMPORT FOREIGN SCHEMA okta LIMIT TO (apps, app_users, app_groups, user_factors, user_roles)
  FROM SERVER okta_apps INTO apps_local;
-- every imported column says where its value comes from and what it is
-- (the path alone would be a field that lacks its description)
SELECT c.relname, a.attname, col_description(a.attrelid, a.attnum) AS comment
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'apps'::regnamespace AND c.relname IN ('app_groups', 'user_roles')
  AND a.attnum > 0 ORDER BY 1, a.attnum;
SELECT count(*) AS bare_paths
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'apps'::regnamespace AND a.attnum > 0
  AND col_description(a.attrelid, a.attnum) NOT LIKE '%: %'
  AND col_description(a.attrelid, a.attnum) NOT LIKE 'the whole %';
ALTER FOREIGN TABLE apps_local.apps OPTIONS (ADD pushdown 'false');
ALTER FOREIGN TABLE apps_local.app_users OPTIONS (ADD pushdown 'false');
ALTER FOREIGN TABLE apps_local.app_groups OPTIONS (ADD pushdown 'false');
ALTER FOREIGN TABLE apps_local.user_factors OPTIONS (ADD pushdown 'false');
ALTER FOREIGN TABLE apps_local.user_roles OPTIONS (ADD pushdown 'false');
\d apps.apps
\d apps.app_users
\d apps.app_groups
\d apps.user_factors
\d apps.user_roles

-- the truth, as the tables' columns (an app's credentials left out)
CREATE VIEW sim.apps_now AS
SELECT a->>'id' AS id, a->>'name' AS name, a->>'label' AS label, a->>'status' AS status,
       a->>'sign_on_mode' AS sign_on_mode, (a->>'created')::timestamptz AS created,
       (a->>'last_updated')::timestamptz AS last_updated,
       ARRAY(SELECT jsonb_array_elements_text(a->'features')) AS features,
       (a->'app') - 'credentials' AS app
FROM sim.truth('apps') AS a;
CREATE VIEW sim.app_users_now AS
SELECT a->>'app_id' AS app_id, a->>'user_id' AS user_id, a->>'scope' AS scope,
       a->>'status' AS status, a->>'sync_state' AS sync_state,
       (a->>'created')::timestamptz AS created, (a->>'last_updated')::timestamptz AS last_updated,
       (a->>'status_changed')::timestamptz AS status_changed, a->>'external_id' AS external_id,
       a->>'user_name' AS user_name, a->'profile' AS profile
FROM sim.truth('app_users') AS a;
CREATE VIEW sim.app_groups_now AS
SELECT a->>'app_id' AS app_id, a->>'group_id' AS group_id, (a->>'priority')::integer AS priority,
       (a->>'last_updated')::timestamptz AS last_updated, a->'profile' AS profile
FROM sim.truth('app_groups') AS a;
CREATE VIEW sim.user_factors_now AS
SELECT f->>'user_id' AS user_id, f->>'id' AS id, f->>'factor_type' AS factor_type,
       f->>'provider' AS provider, f->>'vendor_name' AS vendor_name, f->>'status' AS status,
       (f->>'created')::timestamptz AS created, (f->>'last_updated')::timestamptz AS last_updated,
       f->'profile' AS profile
FROM sim.truth('user_factors') AS f;
CREATE VIEW sim.user_roles_now AS
SELECT r->>'user_id' AS user_id, r->>'id' AS id, r->>'type' AS type, r->>'label' AS label,
       r->>'status' AS status, r->>'assignment_type' AS assignment_type,
       (r->>'created')::timestamptz AS created, (r->>'last_updated')::timestamptz AS last_updated
FROM sim.truth('user_roles') AS r;
SELECT (SELECT count(*) FROM sim.apps_now) AS apps, (SELECT count(*) FROM sim.app_users_now) AS app_users,
       (SELECT count(*) FROM sim.app_groups_now) AS app_groups,
       (SELECT count(*) FROM sim.user_factors_now) AS user_factors,
       (SELECT count(*) FROM sim.user_roles_now) AS user_roles;
-- a request count: how many requests a statement made, by path shape
CREATE FUNCTION sim.requests_since(n bigint) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(format('%s x%s', shape, c), ', ' ORDER BY shape) FROM (
    SELECT regexp_replace(regexp_replace(split_part(split_part(l, ' ', 2), '?', 1),
                          '/(0oa|00u|00g)[0-9A-Za-z]{17}', '/{\1}', 'g'), '^/api/v1', '') AS shape,
           count(*) AS c
    FROM sim.log() WITH ORDINALITY AS t(l, i) WHERE i > n AND l LIKE '%/api/%'
    GROUP BY 1) s
$$;

-- every table equals the truth, column by column (whole-table scans:
-- the apps' listing, then each app's users or groups; the users, then
-- each one's factors; the role holders, then each one's roles)
SELECT sim.log_count() AS n \gset
SELECT same, nrows FROM sim.compare('SELECT id, name, label, status, sign_on_mode, created, last_updated, features, app - ''_links'' FROM apps.apps',
                                    'SELECT * FROM sim.apps_now');
SELECT sim.requests_since(:n);
SELECT sim.log_count() AS n \gset
SELECT same, nrows FROM sim.compare('SELECT * FROM apps.app_users', 'SELECT * FROM sim.app_users_now');
SELECT sim.requests_since(:n);
SELECT sim.log_count() AS n \gset
SELECT same, nrows FROM sim.compare('SELECT * FROM apps.app_groups', 'SELECT * FROM sim.app_groups_now');
SELECT sim.requests_since(:n);
SELECT sim.log_count() AS n \gset
SELECT same, nrows FROM sim.compare('SELECT * FROM apps.user_roles', 'SELECT * FROM sim.user_roles_now');
SELECT sim.requests_since(:n);

-- max_fanout: user_factors without a user qual is one request per user.
-- This backend has not listed the users: the scan lists them first (51
-- requests), finds the fan-out too large and sends no factor request
SELECT sim.log_count() AS n \gset
SELECT sim.try('SELECT count(*) FROM apps.user_factors');
SELECT sim.requests_since(:n);
-- now their number is known: refused before its first request
EXPLAIN (COSTS OFF) SELECT * FROM apps.user_factors;
SELECT sim.log_count() AS n \gset
SELECT sim.try('SELECT count(*) FROM apps.user_factors');
SELECT sim.log_count() - :n AS requests_sent;
-- a smaller limit refuses the apps' fan-outs too (their number is known)
ALTER SERVER okta_apps OPTIONS (ADD max_fanout '20');
SELECT sim.log_count() AS n \gset
SELECT sim.try('SELECT count(*) FROM apps.app_groups');
SELECT sim.log_count() - :n AS requests_sent;
-- a qual, or a raised limit, lets it run
SELECT count(*) > 0 AS some FROM apps.app_groups WHERE app_id IN (SELECT id FROM sim.apps_now LIMIT 3);
ALTER SERVER okta_apps OPTIONS (SET max_fanout '20000');
SELECT sim.log_count() AS n \gset
CREATE TEMP TABLE factors_local AS SELECT * FROM apps_local.user_factors;
SELECT sim.requests_since(:n);
SELECT same, nrows FROM sim.compare('SELECT * FROM factors_local', 'SELECT * FROM sim.user_factors_now');
SELECT okta_reset();
-- a fresh backend state: EXPLAIN says the number is a guess
EXPLAIN (COSTS OFF) SELECT * FROM apps.app_users;
SELECT count(*) > 0 AS some FROM apps.apps;
EXPLAIN (COSTS OFF) SELECT * FROM apps.app_users;

-- concurrency: the apps' member listings side by side (each reply held 30 ms)
\! $OKTA_SIM_CTL reset >/dev/null
SELECT sim.ctl('rate-limit 1000000') ->> 'ok' AS raised;
\! $OKTA_SIM_CTL delay 30 >/dev/null
SELECT count(*) AS missing FROM (SELECT app_id, group_id FROM sim.app_groups_now
                                 EXCEPT ALL SELECT app_id, group_id FROM apps.app_groups) d;
\! $OKTA_SIM_CTL status | /usr/bin/python3 -c 'import json,sys; n = json.load(sys.stdin)["max_in_flight"]; print("several at once:", 2 <= n <= 9)'
\! $OKTA_SIM_CTL delay 0 >/dev/null

-- pushdown matrix: the requests, and the same rows as with pushdown 'false'
SELECT id AS app1 FROM sim.apps_now WHERE name = 'salesforce' ORDER BY id LIMIT 1 \gset
SELECT app_id AS app2 FROM sim.app_users_now GROUP BY app_id ORDER BY count(*), app_id LIMIT 1 \gset
SELECT user_id AS u1 FROM sim.user_factors_now GROUP BY user_id HAVING count(*) > 1 ORDER BY user_id LIMIT 1 \gset
SELECT user_id AS u2 FROM sim.user_roles_now GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1 \gset
-- the requests after position n, ids masked, each with its count
CREATE FUNCTION sim.shapes(n bigint) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(format('%s (x%s)', r, c), E'\n' ORDER BY r) FROM (
    SELECT regexp_replace(regexp_replace(l, 'after=[^&]*&', ''),
                          '(0oa|00u|00g)[0-9A-Za-z]{17}', '{\1}', 'g') AS r, count(*) AS c
    FROM sim.log() WITH ORDINALITY AS t(l, i) WHERE i > n AND l LIKE '%/api/%'
    GROUP BY 1) s
$$;
CREATE FUNCTION sim.pushed(q text, OUT same boolean, OUT nrows bigint, OUT requests text)
LANGUAGE plpgsql AS $$
DECLARE
  before bigint := sim.log_count();
BEGIN
  EXECUTE format('SELECT count(*) FROM (%s) x', replace(q, '{t}', 'apps'));
  requests := sim.shapes(before);
  SELECT c.same, c.nrows INTO same, nrows
  FROM sim.compare(replace(q, '{t}', 'apps'), replace(q, '{t}', 'apps_local')) c;
END $$;
-- an app's columns (its _links differ between a listing and a GET by id)
\set a 'SELECT id, name, label, status, sign_on_mode, created, last_updated, features, app - ''_links'' FROM {t}.apps WHERE '

\pset format unaligned
\pset fieldsep ' | '
SELECT * FROM sim.pushed(:'a' || format('id = %L', :'app1'));
SELECT * FROM sim.pushed(:'a' || format('id IN (%L, %L, ''0oaNoSuchApp00000000'')', :'app1', :'app2'));
SELECT * FROM sim.pushed(:'a' || 'id = ''not an id''');
SELECT * FROM sim.pushed(:'a' || 'status = ''INACTIVE''');
SELECT * FROM sim.pushed(:'a' || 'name = ''salesforce'' AND status = ''ACTIVE''');
SELECT * FROM sim.pushed(:'a' || 'status IN (''ACTIVE'', ''INACTIVE'') AND name = ''oidc_client''');
SELECT * FROM sim.pushed(:'a' || 'label LIKE ''Sales%''');
SELECT * FROM sim.pushed(format('SELECT * FROM {t}.app_users WHERE app_id = %L', :'app2'));
SELECT * FROM sim.pushed(format('SELECT * FROM {t}.app_users WHERE app_id IN (%L, %L)', :'app1', :'app2'));
SELECT * FROM sim.pushed(format('SELECT * FROM {t}.app_groups WHERE app_id = %L', :'app1'));
SELECT * FROM sim.pushed(format('SELECT * FROM {t}.user_roles WHERE user_id = %L', :'u2'));
SELECT * FROM sim.pushed('SELECT * FROM {t}.user_roles WHERE type = ''SUPER_ADMIN''');
-- user_factors against the copy read with pushdown 'false' above
SELECT sim.log_count() AS n \gset
SELECT (SELECT array_agg(f::text ORDER BY f::text) FROM apps.user_factors f WHERE user_id = :'u1')
     = (SELECT array_agg(f::text ORDER BY f::text) FROM factors_local f WHERE user_id = :'u1') AS same;
SELECT regexp_replace(l, '(0oa|00u|00g)[0-9A-Za-z]{17}', '{\1}', 'g') FROM sim.log_since(:n) l;
SELECT sim.log_count() AS n \gset
SELECT (SELECT count(*) FROM apps.user_factors WHERE user_id IN (:'u1', :'u2', 'someone@example.com'))
     = (SELECT count(*) FROM factors_local WHERE user_id IN (:'u1', :'u2')) AS same;
SELECT regexp_replace(l, '(0oa|00u|00g)[0-9A-Za-z]{17}', '{\1}', 'g') FROM sim.log_since(:n) l;
\pset format aligned
\pset fieldsep '|'
-- join parameters: one app's groups, one request per outer row
EXPLAIN (COSTS OFF)
SELECT a.label, g.group_id FROM apps.apps a JOIN apps.app_groups g ON g.app_id = a.id
WHERE a.name = 'salesforce';
SELECT sim.log_count() AS n \gset
SELECT count(*) = (SELECT count(*) FROM sim.app_groups_now g JOIN sim.apps_now a ON a.id = g.app_id
                   WHERE a.name = 'salesforce') AS same
FROM apps.apps a JOIN apps.app_groups g ON g.app_id = a.id WHERE a.name = 'salesforce';
SELECT sim.requests_since(:n);

-- secrets: no column of any table holds a secret the simulator serves (an
-- OIDC client's client_secret, a pending TOTP factor's sharedSecret), nor
-- an app's credentials
CREATE TEMP TABLE secrets AS
SELECT s #>> '{}' AS s FROM jsonb_path_query(pg_read_file(:'sim_dir' || '/org.json')::jsonb,
                                             'lax $.**.client_secret') s
UNION ALL
SELECT s #>> '{}' FROM jsonb_path_query(pg_read_file(:'sim_dir' || '/org.json')::jsonb,
                                        'lax $.**.sharedSecret') s;
SELECT count(*) > 0 AS client_secrets_served FROM jsonb_path_query(pg_read_file(:'sim_dir' || '/org.json')::jsonb, 'lax $.**.client_secret');
SELECT count(*) > 0 AS shared_secrets_served FROM jsonb_path_query(pg_read_file(:'sim_dir' || '/org.json')::jsonb, 'lax $.**.sharedSecret');
SELECT count(*) AS apps_leaking FROM apps.apps a, secrets WHERE a::text LIKE '%' || s || '%';
SELECT count(*) AS factors_leaking FROM factors_local f, secrets WHERE f::text LIKE '%' || s || '%';
SELECT count(*) AS with_credentials FROM apps.apps WHERE app ? 'credentials' OR app::text LIKE '%client_secret%';
-- a column asking for them by path or name reads NULL; a JSON value is
-- shown without them
CREATE FOREIGN TABLE apps.app_secrets (
  id text, credentials jsonb, client_secret text,
  oauth jsonb OPTIONS (path 'credentials.oauthClient'),
  secret text OPTIONS (path 'credentials.oauthClient.client_secret'),
  settings text
) SERVER okta_apps OPTIONS (object 'apps');
SELECT count(*) AS apps, count(credentials) AS credentials, count(client_secret) AS client_secret,
       count(oauth) AS oauth, count(secret) AS secret, count(settings) AS settings
FROM apps.app_secrets;
CREATE FOREIGN TABLE apps.factor_secrets (
  user_id text, id text,
  embedded jsonb OPTIONS (path '_embedded'),
  activation text OPTIONS (path '_embedded.activation'),
  shared text OPTIONS (path '_embedded.activation.sharedSecret')
) SERVER okta_apps OPTIONS (object 'user_factors');
SELECT user_id AS u3 FROM sim.user_factors_now f WHERE status = 'PENDING_ACTIVATION'
  AND factor_type = 'token:software:totp' ORDER BY user_id LIMIT 1 \gset
SELECT count(embedded) AS embedded, count(activation) AS activation, count(shared) AS shared,
       bool_and(embedded->'activation' ? 'keyLength') AS activation_kept,
       bool_or(embedded::text || activation LIKE '%sharedSecret%') AS secret_shown
FROM apps.factor_secrets WHERE user_id = :'u3' AND embedded IS NOT NULL;
CREATE FOREIGN TABLE apps.app_user_creds (
  app_id text, user_id text, credentials jsonb
) SERVER okta_apps OPTIONS (object 'app_users');
SELECT count(*) > 0 AS some, bool_or(credentials ? 'userName') AS user_name,
       bool_or(credentials ? 'password') AS password
FROM apps.app_user_creds WHERE app_id IN (SELECT id FROM sim.apps_now WHERE sign_on_mode = 'BROWSER_PLUGIN');

-- without the scope (the okta server's app asks for the default ones):
-- 42501, the hint names it
SELECT sim.try('SELECT count(*) FROM okta.apps');
SELECT sim.try('SELECT count(*) FROM okta.user_roles WHERE user_id = ''00u00000000000000000''');

-- the README's cookbook, each answered in one query (its plan, its
-- requests, and the answer the truth gives)
-- who can reach an app: its users, directly assigned (USER) or through a
-- group (GROUP)
EXPLAIN (COSTS OFF)
SELECT u.login, au.scope FROM apps.apps a
JOIN apps.app_users au ON au.app_id = a.id JOIN apps.users u ON u.id = au.user_id
WHERE a.name = 'salesforce' AND a.status = 'ACTIVE';
SELECT sim.log_count() AS n \gset
CREATE TEMP TABLE reach AS
SELECT u.login, au.scope FROM apps.apps a
JOIN apps.app_users au ON au.app_id = a.id JOIN apps.users u ON u.id = au.user_id
WHERE a.name = 'salesforce' AND a.status = 'ACTIVE';
SELECT sim.requests_since(:n);
SELECT (SELECT array_agg(x ORDER BY x) FROM (SELECT login || ' ' || scope AS x FROM reach) r)
     = (SELECT array_agg(x ORDER BY x) FROM (
          SELECT u.login || ' ' || au.scope AS x FROM sim.apps_now a
          JOIN sim.app_users_now au ON au.app_id = a.id JOIN sim.users_now u ON u.id = au.user_id
          WHERE a.name = 'salesforce' AND a.status = 'ACTIVE') t) AS same,
       count(*) FILTER (WHERE scope = 'USER') AS direct, count(*) FILTER (WHERE scope = 'GROUP') AS via_groups
FROM reach;
-- active users without an active MFA factor
EXPLAIN (COSTS OFF)
SELECT u.login FROM apps.users u
WHERE u.status = 'ACTIVE'
  AND NOT EXISTS (SELECT FROM apps.user_factors f WHERE f.user_id = u.id AND f.status = 'ACTIVE');
SELECT sim.log_count() AS n \gset
CREATE TEMP TABLE no_mfa AS
SELECT u.login FROM apps.users u
WHERE u.status = 'ACTIVE'
  AND NOT EXISTS (SELECT FROM apps.user_factors f WHERE f.user_id = u.id AND f.status = 'ACTIVE');
SELECT sim.requests_since(:n);
SELECT count(*) AS users,
       count(*) = (SELECT count(*) FROM sim.users_now u WHERE u.status = 'ACTIVE'
                   AND NOT EXISTS (SELECT FROM sim.user_factors_now f
                                   WHERE f.user_id = u.id AND f.status = 'ACTIVE')) AS same
FROM no_mfa;
-- users deactivated (DEPROVISIONED) or suspended but still assigned to apps
-- (the simulator, as Okta, never lists a DEPROVISIONED user among an app's
-- users: only SUSPENDED ones show here)
SELECT * FROM sim.plan($q$SELECT u.login, u.status, a.label FROM apps.users u
JOIN apps.app_users au ON au.user_id = u.id JOIN apps.apps a ON a.id = au.app_id
WHERE u.status IN ('DEPROVISIONED', 'SUSPENDED')$q$);
SELECT sim.log_count() AS n \gset
CREATE TEMP TABLE stale AS
SELECT u.login, u.status, a.label FROM apps.users u
JOIN apps.app_users au ON au.user_id = u.id JOIN apps.apps a ON a.id = au.app_id
WHERE u.status IN ('DEPROVISIONED', 'SUSPENDED');
SELECT sim.requests_since(:n);
SELECT status, count(*),
       count(*) = (SELECT count(*) FROM sim.users_now u JOIN sim.app_users_now au ON au.user_id = u.id
                   WHERE u.status = s.status) AS same
FROM stale s GROUP BY status ORDER BY status;
-- every super admin, and how they got the role (USER: assigned to them;
-- GROUP: through a group)
EXPLAIN (COSTS OFF)
SELECT u.login, r.assignment_type FROM apps.user_roles r JOIN apps.users u ON u.id = r.user_id
WHERE r.type = 'SUPER_ADMIN';
SELECT sim.log_count() AS n \gset
CREATE TEMP TABLE supers AS
SELECT u.login, r.assignment_type FROM apps.user_roles r JOIN apps.users u ON u.id = r.user_id
WHERE r.type = 'SUPER_ADMIN';
SELECT sim.requests_since(:n);
SELECT assignment_type, count(*),
       count(*) = (SELECT count(*) FROM sim.user_roles_now r
                   WHERE r.type = 'SUPER_ADMIN' AND r.assignment_type = s.assignment_type) AS same
FROM supers s GROUP BY assignment_type ORDER BY 1;
-- the simulator as the next tests expect it (rate limits, delays)
\! $OKTA_SIM_CTL reset >/dev/null
