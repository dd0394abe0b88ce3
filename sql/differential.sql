--
-- differential: a few hundred random WHERE clauses, built from pushable and
-- local-only predicates with values drawn from the data (nasty strings
-- included), give the same rows with pushdown on and off
--
CREATE FOREIGN TABLE users_np (id text, status text, created timestamptz,
  last_login timestamptz, last_updated timestamptz, login text, email text,
  first_name text, last_name text, title text, city text, department text)
  SERVER okta OPTIONS (object 'users', pushdown 'false');
CREATE FOREIGN TABLE groups_np (id text, type text, name text, description text,
  last_updated timestamptz, last_membership_updated timestamptz)
  SERVER okta OPTIONS (object 'groups', pushdown 'false');
-- what pushdown 'false' returns, fetched once, in a fixed order (listings
-- run side by side, so rows arrive in no fixed order): the seeded random
-- choices below are then the same from run to run
CREATE TABLE ref_users AS SELECT * FROM users_np ORDER BY id;
CREATE TABLE ref_groups AS SELECT * FROM groups_np ORDER BY id;
SELECT (SELECT count(*) FROM ref_users) = (SELECT count(*) FROM sim.users) AS all_users,
       (SELECT count(*) FROM ref_groups) = (SELECT count(*) FROM sim.groups) AS all_groups;

-- a random predicate over the users columns, with values from one user
-- (the query's user: so that predicates often match together)
CREATE FUNCTION user_atom() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  u ref_users;
  k int := floor(random() * 17)::int;
BEGIN
  SELECT * INTO u FROM ref_users WHERE id = current_setting('diff.user');
  CASE k
    WHEN 0 THEN RETURN format('status = %L', u.status);
    WHEN 1 THEN RETURN format('status IN (%L, %L)', u.status, (ARRAY['ACTIVE','STAGED','SUSPENDED','DEPROVISIONED','active'])[1 + floor(random() * 5)::int]);
    WHEN 2 THEN RETURN format('id = %L', u.id);
    WHEN 3 THEN RETURN format('login = %L', CASE WHEN random() < 0.3 THEN upper(u.login) ELSE u.login END);
    WHEN 4 THEN RETURN format('email = %L', u.email);
    WHEN 5 THEN RETURN format('city = %L', u.city);
    WHEN 6 THEN RETURN format('last_name LIKE %L', left(u.last_name, 1 + floor(random() * 3)::int) || '%');
    WHEN 7 THEN RETURN format('first_name ILIKE %L', lower(left(u.first_name, 1 + floor(random() * 2)::int)) || '%');
    WHEN 8 THEN RETURN 'department IS NOT NULL';
    WHEN 9 THEN RETURN format('created %s %L', (ARRAY['<','<=','>','>=','='])[1 + floor(random() * 5)::int],
                              u.created + (ARRAY[interval '0', random() * interval '1 millisecond',
                                                 random() * interval '1 second'])[1 + floor(random() * 3)::int]);
    WHEN 10 THEN RETURN format('last_login %s %L', (ARRAY['<','>='])[1 + floor(random() * 2)::int], coalesce(u.last_login, u.created));
    WHEN 11 THEN RETURN format('last_updated > %L', u.last_updated - random() * interval '30 days');
    WHEN 12 THEN RETURN format('last_name = %L', u.last_name);
    WHEN 13 THEN RETURN (ARRAY[$q$city = '" or status eq "ACTIVE'$q$, $q$last_name = 'x\" or id pr'$q$,
                                E'title = \'a\\nb\'', $q$department = '%'$q$])[1 + floor(random() * 4)::int];
    WHEN 14 THEN RETURN format('title ~ %L', (ARRAY['^S','Engineer','a'])[1 + floor(random() * 3)::int]);
    WHEN 15 THEN RETURN format('NOT (status = %L)', u.status);
    ELSE RETURN format('length(login) > %s', 15 + floor(random() * 10)::int);
  END CASE;
END $$;

CREATE FUNCTION group_atom() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  g ref_groups;
  k int := floor(random() * 9)::int;
BEGIN
  SELECT * INTO g FROM ref_groups WHERE id = current_setting('diff.group');
  CASE k
    WHEN 0 THEN RETURN format('id = %L', g.id);
    WHEN 1 THEN RETURN format('type = %L', g.type);
    WHEN 2 THEN RETURN format('type IN (%L, ''BUILT_IN'')', g.type);
    WHEN 3 THEN RETURN format('name = %L', g.name);
    WHEN 4 THEN RETURN format('name LIKE %L', left(g.name, 1 + floor(random() * 4)::int) || '%');
    WHEN 5 THEN RETURN format('last_updated %s %L', (ARRAY['<','>','>='])[1 + floor(random() * 3)::int], g.last_updated);
    WHEN 6 THEN RETURN format('last_membership_updated > %L', g.last_membership_updated - interval '1 day');
    WHEN 7 THEN RETURN 'description IS NOT NULL';
    ELSE RETURN format('name ~ %L', '[aeiou]{2}');
  END CASE;
END $$;

-- a random tree of atoms
CREATE FUNCTION random_pred(atom text, depth int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r float := random();
BEGIN
  IF depth = 0 OR r < 0.35 THEN
    CASE atom
      WHEN 'user' THEN RETURN user_atom();
      WHEN 'custom' THEN RETURN custom_atom();   -- made further down
      ELSE RETURN group_atom();
    END CASE;
  ELSIF r < 0.8 THEN
    RETURN '(' || random_pred(atom, depth - 1) || ' AND ' || random_pred(atom, depth - 1) || ')';
  ELSE
    RETURN '(' || random_pred(atom, depth - 1) || ' OR ' || random_pred(atom, depth - 1) || ')';
  END IF;
END $$;

CREATE TABLE diff_results (n int, pred text, same boolean, nrows bigint);
CREATE FUNCTION run_differential(tbl text, ref text, atom text, n int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  p text;
  r record;
BEGIN
  FOR i IN 1..n LOOP
    -- the row whose values the predicates use: sometimes one of the nasty ones
    IF random() < 0.15 THEN
      PERFORM set_config('diff.user', (SELECT id FROM ref_users
        WHERE last_name ~ '["\\'']' OR first_name ~ '["\\'']'
           OR city ~ '[^\x01-\x7f]' OR login LIKE '%/%'
        ORDER BY random() LIMIT 1), false);
    ELSE
      PERFORM set_config('diff.user', (SELECT id FROM ref_users ORDER BY random() LIMIT 1), false);
    END IF;
    PERFORM set_config('diff.group', (SELECT id FROM ref_groups ORDER BY random() LIMIT 1), false);
    -- a narrowing atom first keeps most queries quick; the rest is random
    p := random_pred(atom, 2);
    IF random() < 0.6 THEN
      p := random_pred(atom, 0) || ' AND ' || p;
    END IF;
    SELECT * INTO r FROM sim.compare(format('SELECT id FROM %s WHERE %s', tbl, p),
                                     format('SELECT id FROM %s WHERE %s', ref, p));
    INSERT INTO diff_results VALUES (i, p, r.same, r.nrows);
  END LOOP;
END $$;

SELECT setseed(0.42);
SELECT sim.log_count() AS before \gset
SELECT run_differential('okta.users', 'ref_users', 'user', 250);
SELECT run_differential('okta.groups', 'ref_groups', 'group', 100);
-- every query agrees
SELECT count(*) AS queries, count(*) FILTER (WHERE same) AS same,
       count(*) FILTER (WHERE nrows > 0) AS with_rows
FROM diff_results;
SELECT n, pred FROM diff_results WHERE NOT same ORDER BY n;
-- and pushdown really narrowed most of them
SELECT count(*) FILTER (WHERE l LIKE '%search=%' OR l LIKE '%filter=%' OR l ~ '/(users|groups)/[^?/]+ ') > 200 AS narrowed
FROM sim.log_since(:before) l;

--
-- custom profile attributes with a `type` option (IMPORT writes the user
-- schema's; here they are declared by hand): pushed as Okta types them --
-- numbers unquoted, strings quoted, dates as ISO strings -- and the same
-- rows as with pushdown 'false' (a wrong literal type is a 400 at Okta and
-- in the simulator, which would fail the query)
--
CREATE FOREIGN TABLE users_custom (id text, status text, login text, city text,
  cost_center_code text OPTIONS (type 'string'),
  is_contractor boolean OPTIONS (type 'boolean'),
  badge_number bigint OPTIONS (type 'integer'),
  hourly_rate numeric OPTIONS (type 'number'),
  skills text[] OPTIONS (type 'array'),
  start_date date OPTIONS (type 'date'),
  start_text text OPTIONS (path 'profile.startDate', type 'string'),
  rate_f float8 OPTIONS (path 'profile.hourlyRate', type 'number'),
  badge_numeric numeric OPTIONS (path 'profile.badgeNumber', type 'integer'),
  badge_plain bigint OPTIONS (path 'profile.badgeNumber'))
  SERVER okta OPTIONS (object 'users');
-- the truth, fetched with pushdown 'false' (the option can be changed at will)
ALTER FOREIGN TABLE users_custom OPTIONS (ADD pushdown 'false');
CREATE TABLE ref_custom AS SELECT * FROM users_custom ORDER BY id;
ALTER FOREIGN TABLE users_custom OPTIONS (DROP pushdown);
-- the local truth is the simulator's data
SELECT count(*) AS users,
       count(*) FILTER (WHERE c.cost_center_code IS DISTINCT FROM u->'profile'->>'costCenterCode'
          OR c.is_contractor IS DISTINCT FROM (u->'profile'->>'isContractor')::boolean
          OR c.badge_number IS DISTINCT FROM (u->'profile'->>'badgeNumber')::bigint
          OR c.hourly_rate IS DISTINCT FROM (u->'profile'->>'hourlyRate')::numeric
          OR c.start_date IS DISTINCT FROM (u->'profile'->>'startDate')::date) AS mismatches,
       count(*) FILTER (WHERE c.is_contractor) > 0 AND count(*) FILTER (WHERE NOT c.is_contractor) > 0
         AND count(*) FILTER (WHERE c.badge_number IS NULL) > 0 AS varied
FROM ref_custom c JOIN sim.truth('users') u ON u->>'id' = c.id;

-- a random predicate over the custom columns, with values from one user
CREATE FUNCTION custom_atom() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  u ref_custom;
  k int := floor(random() * 21)::int;
  op text := (ARRAY['<','<=','>','>=','='])[1 + floor(random() * 5)::int];
BEGIN
  SELECT * INTO u FROM ref_custom WHERE id = current_setting('diff.user');
  CASE k
    WHEN 0 THEN RETURN format('cost_center_code = %L', CASE WHEN random() < 0.3 THEN lower(u.cost_center_code) ELSE u.cost_center_code END);
    WHEN 1 THEN RETURN format('cost_center_code LIKE %L', left(coalesce(u.cost_center_code, 'CC-1'), 3 + floor(random() * 3)::int) || '%');
    WHEN 2 THEN RETURN format('cost_center_code IN (%L, %L)', u.cost_center_code, 'CC-0042');
    WHEN 3 THEN RETURN (ARRAY['cost_center_code IS NOT NULL', 'badge_number IS NOT NULL', 'hourly_rate IS NOT NULL',
                              'is_contractor IS NOT NULL', 'start_date IS NOT NULL'])[1 + floor(random() * 5)::int];
    WHEN 4 THEN RETURN (ARRAY['is_contractor', 'NOT is_contractor', 'is_contractor IS TRUE', 'is_contractor IS FALSE',
                              format('is_contractor = %L', coalesce(u.is_contractor, true))])[1 + floor(random() * 5)::int];
    WHEN 5 THEN RETURN format('badge_number %s %s', op, coalesce(u.badge_number, 500000));
    WHEN 6 THEN RETURN format('badge_number IN (%s, %s, 1234)', coalesce(u.badge_number, 1), coalesce(u.badge_number, 1) + 1);
    WHEN 7 THEN RETURN format('hourly_rate %s %s', op, coalesce(u.hourly_rate, 100) + (ARRAY[0, 0, 0.001, -0.005, 0.5])[1 + floor(random() * 5)::int]);
    WHEN 8 THEN RETURN format('hourly_rate IN (%s, 99.99)', coalesce(u.hourly_rate, 15));
    WHEN 9 THEN RETURN format('start_date %s %L', op, coalesce(u.start_date, date '2024-01-01') + (ARRAY[0, 0, 1, -1])[1 + floor(random() * 4)::int]);
    WHEN 10 THEN RETURN format('start_date IN (%L, %L)', u.start_date, u.start_date + 3);
    WHEN 11 THEN RETURN format('rate_f %s %s', op, coalesce(u.rate_f, 100));
    WHEN 12 THEN RETURN format('badge_numeric %s %s', op, coalesce(u.badge_numeric, 1000) + (ARRAY[0, 0, 0.5])[1 + floor(random() * 3)::int]);
    WHEN 13 THEN RETURN format('start_text = %L', u.start_text);
    WHEN 14 THEN RETURN format('status = %L', u.status);
    WHEN 15 THEN RETURN format('%L = ANY (skills)', coalesce(u.skills[1], 'Go'));
    WHEN 16 THEN RETURN format('badge_number::numeric > %s', coalesce(u.badge_number, 1000) - 0.5);
    WHEN 17 THEN RETURN format('NOT (badge_number = %s)', coalesce(u.badge_number, 1000));
    WHEN 18 THEN RETURN format('badge_number BETWEEN %s AND %s', coalesce(u.badge_number, 1000) - 5000, coalesce(u.badge_number, 1000) + 5000);
    WHEN 19 THEN RETURN format('badge_plain = %s', coalesce(u.badge_plain, 1000));
    ELSE RETURN format('hourly_rate < %s', 15 + floor(random() * 240));
  END CASE;
END $$;

TRUNCATE diff_results;
SELECT sim.log_count() AS before \gset
SELECT run_differential('users_custom', 'ref_custom', 'custom', 250);
SELECT count(*) AS queries, count(*) FILTER (WHERE same) AS same,
       count(*) FILTER (WHERE nrows > 0) AS with_rows
FROM diff_results;
SELECT n, pred FROM diff_results WHERE NOT same ORDER BY n;
-- and custom attributes were compared at Okta, with each type's literals
SELECT count(*) FILTER (WHERE l ~ 'profile\.badgeNumber (eq|gt|ge|lt|le) -?\d') > 20 AS integers,
       count(*) FILTER (WHERE l ~ 'profile\.hourlyRate (eq|ge|le) -?\d') > 20 AS numbers,
       count(*) FILTER (WHERE l ~ 'profile\.isContractor eq (true|false)') > 5 AS booleans,
       count(*) FILTER (WHERE l ~ 'profile\.startDate (sw|ge|lt) "\d{4}-\d\d-\d\d"') > 5 AS dates,
       count(*) FILTER (WHERE l ~ 'profile\.costCenterCode (eq|sw) "') > 10 AS strings,
       count(*) FILTER (WHERE l ~ '(badgeNumber|hourlyRate|isContractor) (eq|sw|gt|ge|lt|le) "|(costCenterCode|startDate) (eq|sw|gt|ge|lt|le) [^"]') AS mistyped
FROM sim.log_since(:before) l;
