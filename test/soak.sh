#!/bin/bash
# make soak: memory stays flat.  One backend runs SCANS full scans of a
# USERS-user org (every 10th a failing one: an auth error, a 404 lookup and
# a conversion error, so the error paths are exercised too) and its RSS,
# read from /proc/<backend pid>/status, may grow at most LIMIT_KB after the
# first scan.  make test runs a short smoke of it.
#   test/soak.sh [SCANS] [USERS]
set -euo pipefail
cd "$(dirname "$0")/.."
SCANS=${1:-200}
USERS=${2:-10000}
LIMIT_KB=${LIMIT_KB:-10240}
. test/lib.sh
trap stop_env EXIT
start_env "$USERS"
cat > "$WORK/soak.sql" <<SQL
\\set ON_ERROR_STOP 1
\\getenv sim_dir OKTA_SIM_DIR
\\getenv sim_url OKTA_SIM_URL
\\set ca_file :sim_dir '/ca.pem'
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key,
       pg_read_file(:'sim_dir' || '/other-rsa.pem') AS other_key \\gset
CREATE EXTENSION oktafdw;
CREATE SERVER okta FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
CREATE SERVER bad FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'sim_url', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER bad OPTIONS (client_id '0oaplain', private_key :'other_key', key_id 'k1');
CREATE SCHEMA okta;
IMPORT FOREIGN SCHEMA okta LIMIT TO (users) FROM SERVER okta INTO okta;
CREATE FOREIGN TABLE bad_users (id text) SERVER bad OPTIONS (object 'users');
CREATE FOREIGN TABLE odd_users (id text, login integer) SERVER okta OPTIONS (object 'users');
CREATE FUNCTION rss_kb() RETURNS bigint LANGUAGE sql AS \$\$
  SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmRSS:\\s+(\\d+)'))[1]::bigint
\$\$;
CREATE FUNCTION scans(n int) RETURNS bigint LANGUAGE plpgsql AS \$\$
DECLARE
  total bigint := 0;
  c bigint;
BEGIN
  FOR i IN 1..n LOOP
    SELECT count(*) INTO c FROM okta.users;
    total := total + c;
    IF i % 10 = 0 THEN
      BEGIN PERFORM count(*) FROM bad_users; EXCEPTION WHEN OTHERS THEN NULL; END;
      BEGIN PERFORM count(*) FROM odd_users; EXCEPTION WHEN OTHERS THEN NULL; END;
      PERFORM count(*) FROM okta.users WHERE id = '00unosuchuser';
    END IF;
  END LOOP;
  RETURN total;
END \$\$;
SELECT scans(1) AS first_rows \\gset
SELECT rss_kb() AS rss_first \\gset
SELECT scans($SCANS) AS rows \\gset
SELECT rss_kb() AS rss_last \\gset
\\echo soak: $SCANS scans of $USERS users, :rows rows; backend RSS after the first scan :rss_first kB, after all :rss_last kB
SELECT (:rss_last - :rss_first) AS growth_kb, (:rss_last - :rss_first) <= $LIMIT_KB AS within_limit \\gset
\\echo soak: growth :growth_kb kB (limit $LIMIT_KB kB)
\\if :within_limit
\\echo 1 passed, 0 failed
\\else
\\echo 0 passed, 1 failed
\\endif
SQL
chmod 644 "$WORK/soak.sql"
in_cluster psql -X -q -v ON_ERROR_STOP=1 -f "$WORK/soak.sql" | tee "$WORK/soak.out"
grep -q '^1 passed, 0 failed' "$WORK/soak.out"
