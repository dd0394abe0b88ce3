--
-- matrix: each pushable form sends the expected request and returns exactly
-- the ground truth's rows
--
SELECT id AS uid, login AS ulogin, email AS uemail FROM sim.users
  WHERE status = 'ACTIVE' AND email IS NOT NULL ORDER BY id LIMIT 1 \gset
SELECT id AS uid2, login AS ulogin2 FROM sim.users WHERE status = 'SUSPENDED' ORDER BY id LIMIT 1 \gset
SELECT login AS slash_login FROM sim.users WHERE login LIKE '%/%' ORDER BY id LIMIT 1 \gset
SELECT city AS ucity FROM sim.users WHERE city <> '' GROUP BY city ORDER BY count(*) DESC, city LIMIT 1 \gset
SELECT id AS gid, name AS gname FROM sim.groups WHERE type = 'OKTA_GROUP' ORDER BY id LIMIT 1 \gset
SELECT id AS gid2 FROM sim.groups WHERE type = 'APP_GROUP' ORDER BY id LIMIT 1 \gset
-- a member whose short login (before the @) is no one else's: Okta (and
-- the simulator) resolve it, the login and any letter case by path
SELECT u.id AS muid, u.login AS mlogin, split_part(u.login, '@', 1) AS mshort FROM sim.users u
  WHERE EXISTS (SELECT 1 FROM sim.memberships m WHERE m.user_id = u.id) AND u.login ~ '^[a-z.]+@'
  AND (SELECT count(*) FROM sim.users v
       WHERE lower(split_part(v.login, '@', 1)) = lower(split_part(u.login, '@', 1))) = 1
  ORDER BY u.id LIMIT 1 \gset
\set uq 'SELECT id FROM okta.users WHERE '
\set ut 'SELECT id FROM sim.users WHERE '
\set gq 'SELECT id FROM okta.groups WHERE '
\set gt 'SELECT id FROM sim.groups WHERE '
\pset format unaligned
\pset fieldsep ' | '

-- users: lookups
SELECT * FROM sim.compare(:'uq' || format('login = %L', :'ulogin'), :'ut' || format('login = %L', :'ulogin'));
SELECT * FROM sim.compare(:'uq' || format('login = %L', upper(:'ulogin')), :'ut' || format('login = %L', upper(:'ulogin')));
SELECT * FROM sim.compare(:'uq' || format('login = %L', :'slash_login'), :'ut' || format('login = %L', :'slash_login'));
SELECT * FROM sim.compare(:'uq' || format('id IN (%L, %L, %L)', :'uid', :'uid2', :'uid'), :'ut' || format('id IN (%L, %L, %L)', :'uid', :'uid2', :'uid'));
SELECT * FROM sim.compare(:'uq' || format('login IN (%L, %L, ''nobody@example.com'')', :'ulogin', :'ulogin2'), :'ut' || format('login IN (%L, %L, ''nobody@example.com'')', :'ulogin', :'ulogin2'));
SELECT * FROM sim.compare(:'uq' || 'id = ANY (ARRAY[]::text[])', :'ut' || 'id = ANY (ARRAY[]::text[])');
SELECT * FROM sim.compare(:'uq' || format('id = %L AND status = ''SUSPENDED''', :'uid'), :'ut' || format('id = %L AND status = ''SUSPENDED''', :'uid'));
-- Okta resolves a short login and any case by path: only the exact login matches
SELECT * FROM sim.compare(:'uq' || format('login = %L', :'mshort'), :'ut' || format('login = %L', :'mshort'));
SELECT * FROM sim.compare(:'uq' || format('login IN (%L, %L)', upper(:'mlogin'), upper(:'mshort')), :'ut' || format('login IN (%L, %L)', upper(:'mlogin'), upper(:'mshort')));
-- a login a servlet stack reads otherwise (';' ends the segment, '%', '\',
-- white space, non-ASCII) goes by filter, never by path
SELECT * FROM sim.compare(:'uq' || format('login = %L', :'mshort' || ';x@example.com'), :'ut' || format('login = %L', :'mshort' || ';x@example.com'));
SELECT * FROM sim.compare(:'uq' || $$login IN ('zoë.angstrom@example.com', 'a%40b@example.com', 'back\slash@example.com', 'sp ace@example.com')$$, :'ut' || $$login IN ('zoë.angstrom@example.com', 'a%40b@example.com', 'back\slash@example.com', 'sp ace@example.com')$$);
-- users: filter where it is enough (exact, and strongly consistent), search otherwise
SELECT * FROM sim.compare(:'uq' || $$status IN ('LOCKED_OUT', 'RECOVERY')$$, :'ut' || $$status IN ('LOCKED_OUT', 'RECOVERY')$$);
SELECT * FROM sim.compare(:'uq' || format('email = %L', :'uemail'), :'ut' || format('email = %L', :'uemail'));
SELECT * FROM sim.compare(:'uq' || $$last_updated > '2025-09-20 00:00:00+00'$$, :'ut' || $$last_updated > '2025-09-20 00:00:00+00'$$);
SELECT * FROM sim.compare(:'uq' || $$status = 'SUSPENDED' AND last_updated <= '2025-06-01 12:00:00.0005+00'$$, :'ut' || $$status = 'SUSPENDED' AND last_updated <= '2025-06-01 12:00:00.0005+00'$$);
SELECT * FROM sim.compare(:'uq' || $$created >= '2025-09-01' AND created < '2025-09-02 12:30:00.123456+02'$$, :'ut' || $$created >= '2025-09-01' AND created < '2025-09-02 12:30:00.123456+02'$$);
SELECT * FROM sim.compare(:'uq' || $$activated = '2020-01-01 00:00:00.0001+00'$$, :'ut' || $$activated = '2020-01-01 00:00:00.0001+00'$$);
SELECT * FROM sim.compare(:'uq' || $$status_changed > '2025-09-25' AND status = 'STAGED'$$, :'ut' || $$status_changed > '2025-09-25' AND status = 'STAGED'$$);
SELECT * FROM sim.compare(:'uq' || $$password_changed > '2025-09-28' OR last_login > '2025-09-30'$$, :'ut' || $$password_changed > '2025-09-28' OR last_login > '2025-09-30'$$);
SELECT * FROM sim.compare(:'uq' || format('city = %L AND status = ''ACTIVE''', :'ucity'), :'ut' || format('city = %L AND status = ''ACTIVE''', :'ucity'));
SELECT * FROM sim.compare(:'uq' || $$last_name LIKE 'Sm%' AND first_name ILIKE 'j%'$$, :'ut' || $$last_name LIKE 'Sm%' AND first_name ILIKE 'j%'$$);
SELECT * FROM sim.compare(:'uq' || $$last_name LIKE 'Smith'$$, :'ut' || $$last_name LIKE 'Smith'$$);
SELECT * FROM sim.compare(:'uq' || $$last_name LIKE 'S_ith%' AND status = 'RECOVERY'$$, :'ut' || $$last_name LIKE 'S_ith%' AND status = 'RECOVERY'$$);
SELECT * FROM sim.compare(:'uq' || $$last_name LIKE '100\%%' AND status = 'RECOVERY'$$, :'ut' || $$last_name LIKE '100\%%' AND status = 'RECOVERY'$$);
SELECT * FROM sim.compare(:'uq' || $$department IS NOT NULL AND status = 'LOCKED_OUT'$$, :'ut' || $$department IS NOT NULL AND status = 'LOCKED_OUT'$$);
SELECT * FROM sim.compare(:'uq' || format('status = ''ACTIVE'' AND (city = %L OR department = ''Finance'')', :'ucity'), :'ut' || format('status = ''ACTIVE'' AND (city = %L OR department = ''Finance'')', :'ucity'));
-- the pushed part of a partly pushable AND; an OR with a local-only arm is not pushed
SELECT * FROM sim.compare(:'uq' || $$status = 'SUSPENDED' AND title ~ 'Engineer'$$, :'ut' || $$status = 'SUSPENDED' AND title ~ 'Engineer'$$);
SELECT * FROM sim.compare(:'uq' || $$(status = 'SUSPENDED' OR title ~ 'Engineer') AND status_changed > '2025-09-29'$$, :'ut' || $$(status = 'SUSPENDED' OR title ~ 'Engineer') AND status_changed > '2025-09-29'$$);
-- NOT, custom attributes and other types are filtered locally
SELECT * FROM sim.compare(:'uq' || $$NOT (status = 'ACTIVE') AND status = 'STAGED'$$, :'ut' || $$NOT (status = 'ACTIVE') AND status = 'STAGED'$$);
-- stable expressions count as constants, evaluated at execution
SELECT same, nrows = (SELECT count(*) FROM sim.users WHERE last_login < now() - interval '400 days' AND status = 'ACTIVE') AS ran,
       regexp_replace(requests, '"[0-9T:.-]+Z"', '"<now - 400 days>"', 'g') AS requests
FROM sim.compare(:'uq' || $$last_login < now() - interval '400 days' AND status = 'ACTIVE'$$,
                 :'ut' || $$last_login < now() - interval '400 days' AND status = 'ACTIVE'$$);

-- groups
SELECT * FROM sim.compare(:'gq' || format('id = %L', :'gid'), :'gt' || format('id = %L', :'gid'));
SELECT * FROM sim.compare(:'gq' || format('id IN (%L, %L)', :'gid', :'gid2'), :'gt' || format('id IN (%L, %L)', :'gid', :'gid2'));
SELECT * FROM sim.compare(:'gq' || $$type = 'APP_GROUP'$$, :'gt' || $$type = 'APP_GROUP'$$);
SELECT * FROM sim.compare(:'gq' || $$type IN ('BUILT_IN', 'APP_GROUP')$$, :'gt' || $$type IN ('BUILT_IN', 'APP_GROUP')$$);
SELECT * FROM sim.compare(:'gq' || format('name = %L', :'gname'), :'gt' || format('name = %L', :'gname'));
SELECT * FROM sim.compare(:'gq' || $$name LIKE 'Eng%'$$, :'gt' || $$name LIKE 'Eng%'$$);
SELECT * FROM sim.compare(:'gq' || $$last_membership_updated > '2025-06-01'$$, :'gt' || $$last_membership_updated > '2025-06-01'$$);
SELECT * FROM sim.compare(:'gq' || $$last_updated >= '2025-01-01' AND type = 'OKTA_GROUP'$$, :'gt' || $$last_updated >= '2025-01-01' AND type = 'OKTA_GROUP'$$);

-- memberships: one listing per group or user
SELECT * FROM sim.compare(format('SELECT group_id, user_id FROM okta.group_members WHERE group_id IN (%L, %L)', :'gid', :'gid2'),
                          format('SELECT group_id, user_id FROM sim.memberships WHERE group_id IN (%L, %L)', :'gid', :'gid2'));
SELECT * FROM sim.compare(format('SELECT user_id, group_id FROM okta.user_groups WHERE user_id IN (%L, %L)', :'uid', :'uid2'),
                          format('SELECT user_id, group_id FROM sim.memberships WHERE user_id IN (%L, %L)', :'uid', :'uid2'));
-- a parent id is Okta's id exactly: a login, a short login or another case,
-- which Okta resolves by path, is no row's id (as with pushdown 'false'); a
-- value not in Okta's id format is not requested
SELECT * FROM sim.compare(format('SELECT user_id, group_id FROM okta.user_groups WHERE user_id = %L', :'mlogin'),
                          format('SELECT user_id, group_id FROM sim.memberships WHERE user_id = %L', :'mlogin'));
SELECT same, nrows, replace(requests, :'muid', '<muid>') AS requests
FROM sim.compare(format('SELECT user_id, group_id FROM okta.user_groups WHERE user_id IN (%L, %L, %L)', :'mshort', upper(:'mlogin'), :'muid'),
                 format('SELECT user_id, group_id FROM sim.memberships WHERE user_id IN (%L, %L, %L)', :'mshort', upper(:'mlogin'), :'muid'));
SELECT same, nrows, replace(replace(requests, upper(:'muid'), '<MUID>'), lower(:'muid'), '<muid>') AS requests
FROM sim.compare(format('SELECT user_id, group_id FROM okta.user_groups WHERE user_id IN (%L, %L)', upper(:'muid'), lower(:'muid')),
                 format('SELECT user_id, group_id FROM sim.memberships WHERE user_id IN (%L, %L)', upper(:'muid'), lower(:'muid')));
SELECT * FROM sim.compare('SELECT user_id, group_id FROM okta.user_groups WHERE user_id = ''plus+tag@example.com''',
                          'SELECT user_id, group_id FROM sim.memberships WHERE user_id = ''plus+tag@example.com''');

-- injection: values never widen the match, never reach another endpoint
SELECT * FROM sim.compare(:'uq' || $$status = 'ACTIVE" or status eq "SUSPENDED'$$, :'ut' || $$status = 'ACTIVE" or status eq "SUSPENDED'$$);
SELECT * FROM sim.compare(:'uq' || $$city = 'x\" or status eq \"ACTIVE'$$, :'ut' || $$city = 'x\" or status eq \"ACTIVE'$$);
SELECT * FROM sim.compare(:'uq' || $$city = '\' AND status = 'STAGED'$$, :'ut' || $$city = '\' AND status = 'STAGED'$$);
SELECT * FROM sim.compare(:'gq' || $$name = '" or type eq "APP_GROUP'$$, :'gt' || $$name = '" or type eq "APP_GROUP'$$);
SELECT * FROM sim.compare(:'uq' || $$id = '%2e%2e%2fgroups'$$, :'ut' || $$id = '%2e%2e%2fgroups'$$);
SELECT * FROM sim.compare(:'uq' || $$login = '../../groups'$$, :'ut' || $$login = '../../groups'$$);
SELECT * FROM sim.compare(:'gq' || $$id = '00g1/users'$$, :'gt' || $$id = '00g1/users'$$);
SELECT * FROM sim.compare(:'uq' || E'city = \'Paris\nstatus eq "ACTIVE"\' AND status = \'STAGED\'', :'ut' || E'city = \'Paris\nstatus eq "ACTIVE"\' AND status = \'STAGED\'');
SELECT * FROM sim.compare('SELECT group_id, user_id FROM okta.group_members WHERE group_id = ''../users''',
                          'SELECT group_id, user_id FROM sim.memberships WHERE group_id = ''../users''');
-- a servlet stack cuts ";..." off a segment: "..;" would walk up to /api/v1/users
SELECT * FROM sim.compare('SELECT group_id, user_id FROM okta.group_members WHERE group_id = ''..;''',
                          'SELECT group_id, user_id FROM sim.memberships WHERE group_id = ''..;''');
SELECT * FROM sim.compare('SELECT group_id, user_id FROM okta.group_members WHERE group_id = ''..;x''',
                          'SELECT group_id, user_id FROM sim.memberships WHERE group_id = ''..;x''');
SELECT * FROM sim.compare(:'uq' || $$id = '..;'$$, :'ut' || $$id = '..;'$$);
\pset format aligned
