--
-- joins and LIMIT: parameterized scans and early stops, counted in requests
--
-- members of the groups whose name starts with 'Eng': the groups are
-- searched, then only their members are listed
EXPLAIN (COSTS OFF)
SELECT g.name, m.login FROM okta.groups g JOIN okta.group_members m ON m.group_id = g.id
WHERE g.name LIKE 'Eng%';
SELECT sim.log_count() AS before \gset
SELECT count(*) = (SELECT count(*) FROM sim.groups g JOIN sim.memberships m ON m.group_id = g.id
                   WHERE g.name LIKE 'Eng%') AS same
FROM okta.groups g JOIN okta.group_members m ON m.group_id = g.id
WHERE g.name LIKE 'Eng%';
SELECT count(*) FILTER (WHERE l LIKE 'GET /api/v1/groups?%') AS group_searches,
       count(DISTINCT substring(l from '/groups/([^/]+)/users')) AS groups_listed,
       (SELECT count(*) FROM sim.groups WHERE name LIKE 'Eng%') AS eng_groups,
       count(*) FILTER (WHERE l NOT LIKE 'GET /api/v1/groups%') AS other_requests
FROM sim.log_since(:before) l;

-- a user's groups, joined back to their other members
SELECT id AS uid FROM sim.users u WHERE EXISTS (SELECT 1 FROM sim.memberships m WHERE m.user_id = u.id)
  AND status = 'SUSPENDED' ORDER BY id LIMIT 1 \gset
EXPLAIN (COSTS OFF)
SELECT ug.name FROM okta.user_groups ug WHERE ug.user_id = :'uid';
SELECT sim.log_count() AS before \gset
SELECT array_agg(name ORDER BY name) = (SELECT array_agg(g.name ORDER BY g.name) FROM sim.memberships m
                                       JOIN sim.groups g ON g.id = m.group_id WHERE m.user_id = :'uid') AS same
FROM okta.user_groups ug WHERE ug.user_id = :'uid';
SELECT count(*) AS requests FROM sim.log_since(:before) l;

-- a local table joined to users by id: one GET per local row
CREATE TABLE badge_holders (user_id text PRIMARY KEY, badge int);
INSERT INTO badge_holders SELECT id, row_number() OVER (ORDER BY id) FROM sim.users
  WHERE status = 'ACTIVE' ORDER BY id LIMIT 3;
ANALYZE badge_holders;
EXPLAIN (COSTS OFF)
SELECT b.badge, u.login FROM badge_holders b JOIN okta.users u ON u.id = b.user_id;
SELECT sim.log_count() AS before \gset
SELECT count(*) AS rows, bool_and(u.login = s.login) AS same
FROM badge_holders b JOIN okta.users u ON u.id = b.user_id JOIN sim.users s ON s.id = b.user_id;
SELECT count(*) AS requests, bool_and(l ~ '^GET /api/v1/users/00u[A-Za-z0-9]+ 200$') AS all_by_id
FROM sim.log_since(:before) l;

-- LIMIT: the page is no bigger than the limit, and no page is fetched ahead
SELECT sim.log_count() AS before \gset
SELECT count(*) FROM (SELECT login FROM okta.users WHERE status = 'ACTIVE' LIMIT 5) s;
SELECT * FROM sim.log_since(:before) l;
SELECT sim.log_count() AS before \gset
SELECT count(*) FROM (SELECT name FROM okta.groups LIMIT 3) s;
SELECT * FROM sim.log_since(:before) l;
SELECT sim.log_count() AS before \gset
SELECT count(*) FROM (SELECT id FROM okta.users LIMIT 250) s;
SELECT sim.log_count() - :before AS requests;
EXPLAIN (COSTS OFF) SELECT login FROM okta.users WHERE status = 'ACTIVE' LIMIT 5;
-- not with ORDER BY (every row is needed first)
EXPLAIN (COSTS OFF) SELECT login FROM okta.users WHERE status = 'ACTIVE' ORDER BY login LIMIT 5;

-- fan-out: the member listings of several groups run side by side, up to
-- max_concurrency, and give the same rows
\getenv sim_url OKTA_SIM_URL
\getenv sim_dir OKTA_SIM_DIR
\set ca_file :sim_dir '/ca.pem'
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key \gset
CREATE SERVER okta_seq FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file', max_concurrency '1');
CREATE SERVER okta_par FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file', max_concurrency '4');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta_seq OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta_par OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
CREATE FOREIGN TABLE gm_seq (group_id text, user_id text) SERVER okta_seq OPTIONS (object 'group_members');
CREATE FOREIGN TABLE gm_par (group_id text, user_id text) SERVER okta_par OPTIONS (object 'group_members');
CREATE FOREIGN TABLE ug_par (user_id text, group_id text, name text) SERVER okta_par OPTIONS (object 'user_groups');
-- every reply held 30 ms, so that requests in flight together overlap at the simulator
\! $OKTA_SIM_CTL reset >/dev/null
\! $OKTA_SIM_CTL delay 30 >/dev/null
SELECT count(*) AS missing FROM (SELECT group_id, user_id FROM sim.memberships EXCEPT ALL SELECT * FROM gm_seq) d;
\! $OKTA_SIM_CTL status | /usr/bin/python3 -c 'import json,sys; print("requests at once:", json.load(sys.stdin)["max_in_flight"])'
\! $OKTA_SIM_CTL reset >/dev/null
\! $OKTA_SIM_CTL delay 30 >/dev/null
SELECT count(*) AS missing FROM (SELECT group_id, user_id FROM sim.memberships EXCEPT ALL SELECT * FROM gm_par) d;
SELECT count(*) AS extra FROM (SELECT * FROM gm_par EXCEPT ALL SELECT group_id, user_id FROM sim.memberships) d;
\! $OKTA_SIM_CTL status | /usr/bin/python3 -c 'import json,sys; n = json.load(sys.stdin)["max_in_flight"]; print("several at once:", 2 <= n <= 5)'
SELECT count(*) AS missing FROM (
  SELECT m.user_id, m.group_id, g.name FROM sim.memberships m JOIN sim.groups g ON g.id = m.group_id
  EXCEPT ALL SELECT * FROM ug_par) d;
-- TLS session reuse: a new client's first connection makes a full handshake;
-- the fan-out's further connections resume its session (those opened before
-- the first session ticket has arrived cannot, so not always all of them)
SELECT okta_reset();
\! $OKTA_SIM_CTL traffic reset >/dev/null
SELECT count(*) = (SELECT count(*) FROM sim.memberships) AS rows FROM gm_par;
\! $OKTA_SIM_CTL traffic | /usr/bin/python3 -c 'import json,sys; t = json.load(sys.stdin); print("several connections:", t["connections"] > 1, "- some resumed:", 1 <= t["resumed_sessions"] < t["connections"])'
-- an IN list's lookups run side by side too
SELECT array_agg(id ORDER BY id) AS gids FROM (SELECT id FROM sim.groups ORDER BY id LIMIT 6) g \gset
SELECT count(*) = (SELECT count(*) FROM sim.memberships WHERE group_id = ANY (:'gids')) AS same
FROM gm_par WHERE group_id = ANY (:'gids');
\! $OKTA_SIM_CTL reset >/dev/null

-- streaming and prefetch: a scan that has handed out one row holds page 1
-- and has already asked for page 2; nothing further is fetched until page 2
-- is read, and then page 3 is asked for (one listing at a time: okta_seq)
CREATE FOREIGN TABLE u_stream (id text) SERVER okta_seq OPTIONS (object 'users');
CREATE FUNCTION user_pages_since(n bigint) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM sim.log() WITH ORDINALITY AS t(l, i)
  WHERE i > n AND l LIKE 'GET /api/v1/users?% 200'
$$;
BEGIN;
SELECT sim.log_count() AS before \gset
DECLARE stream CURSOR FOR SELECT id FROM u_stream;
FETCH 1 FROM stream;
SELECT pg_sleep(0.5);
SELECT user_pages_since(:before) AS pages_asked_for;
MOVE 250 FROM stream;
SELECT pg_sleep(0.5);
SELECT user_pages_since(:before) AS pages_asked_for;
CLOSE stream;
COMMIT;

-- user listings ask Okta to leave out what no column reads (the documented
-- okta-response="omitCredentials,..." parameter, and the `fields` projection
-- when no column needs credentials: sql/fields.sql): smaller pages, same rows
CREATE FOREIGN TABLE u_creds (id text, provider text OPTIONS (path 'credentials.provider.type'))
  SERVER okta_seq OPTIONS (object 'users');
CREATE FOREIGN TABLE u_lean (id text) SERVER okta_seq OPTIONS (object 'users');
SELECT okta_reset();
SELECT count(*) = count(provider) AS all_providers, count(*) FROM u_creds;
SELECT bytes AS creds_bytes FROM okta_stats() WHERE server = 'okta_seq' \gset
SELECT okta_reset();
SELECT count(*) FROM u_lean;
SELECT bytes AS lean_bytes FROM okta_stats() WHERE server = 'okta_seq' \gset
SELECT :lean_bytes < :creds_bytes AS smaller, round(:lean_bytes::numeric / :creds_bytes, 2) AS ratio;
