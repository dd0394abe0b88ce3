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
    RETURN CASE atom WHEN 'user' THEN user_atom() ELSE group_atom() END;
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
