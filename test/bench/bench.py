#!/usr/bin/python3
"""The benchmark's measurements (test/bench/bench.sh runs this inside a
throwaway cluster, with the simulator running).  Prints one table of figures
measured in this run; exits non-zero when a step fails.

Environment: OKTA_SIM_DIR, OKTA_SIM_URL (the simulator), BENCH_WORK (a
scratch directory), USERS, BENCH_GROUPS, the libpq variables of the cluster.
"""

import json
import os
import signal
import subprocess
import sys
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sim"))
import sim_server  # noqa: E402

PY = "/usr/bin/python3"
SIM_DIR = os.environ["OKTA_SIM_DIR"]
SIM_URL = os.environ["OKTA_SIM_URL"]
WORK = os.environ["BENCH_WORK"]
CA = os.path.join(SIM_DIR, "ca.pem")
PAGE = 200                      # the server's page_size (default)
LATENCY_MS = 50                 # step 3
FANOUT_LATENCY_MS = 20          # step 4
CONCURRENCY = (1, 4, 8)         # step 4
SCANS = 3                       # step 1: the median of this many scans
PAIRS = 5                       # step 2: scan and curl back to back, this many times
CLK_TCK = os.sysconf("SC_CLK_TCK")

rows_out = []                   # (step, figure, value, note)
context = {}                    # for the table's heading, filled in as the run goes


def fig(step, figure, value, note=""):
    rows_out.append((str(step), figure, value, note))


def progress(text):
    print("bench: " + text, file=sys.stderr, flush=True)


def n(x):
    return "{:,}".format(int(round(x)))


def mb(b):
    return "%.1f MB" % (b / 1e6)


def secs(s):
    return "%.2f s" % s


def median(items, key=lambda x: x):
    return sorted(items, key=key)[len(items) // 2]


def spread(values):
    return "%s to %s" % (secs(min(values)), secs(max(values)))


def ratio(a, b):
    return "%.2f×" % (a / b) if b else "n/a"


def ctl(action, arg=None):
    status, text = sim_server.control_request(SIM_DIR, action, arg)
    if status != 200:
        raise RuntimeError("simulator ctl %s %s: %s" % (action, arg or "", text))
    return json.loads(text)


def connect():
    conn = psycopg2.connect("")
    conn.autocommit = True
    return conn


def one(conn, sql, args=None):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()


def proc_file(conn, pid, name):
    return one(conn, "SELECT pg_read_file(%s)", ("/proc/%d/%s" % (pid, name),))[0]


def host_cpu_ticks():
    """(steal, total) ticks of all CPUs from /proc/stat: a VM's neighbours
    show as steal, and the figures are worth less then."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    return ticks[7] if len(ticks) > 7 else 0, sum(ticks[:8])


def sim_cpu_seconds():
    """utime + stime of the simulator (the same host: read directly)."""
    with open(os.path.join(SIM_DIR, "pid")) as f:
        pid = int(f.read())
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_seconds(conn, pid):
    """utime + stime of a process, from /proc/<pid>/stat, in seconds."""
    fields = proc_file(conn, pid, "stat").rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kb(conn, pid, key):
    for line in proc_file(conn, pid, "status").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError("no %s in /proc/%d/status" % (key, pid))


# STEPS=1,2,5 runs only those steps (2 needs 1, 6 needs 2); default all
_steps = set(s.strip() for s in os.environ.get("STEPS", "").split(",") if s.strip())
if "6" in _steps:
    _steps.add("2")
if "2" in _steps:
    _steps.add("1")


def want(step):
    return not _steps or str(step) in _steps


STAT_COLS = ("requests", "pages", "rows", "bytes", "retries", "throttled_ms", "errors",
             "token_requests")


def okta_stats(conn):
    r = one(conn, "SELECT %s FROM okta_stats()"
            % ", ".join("coalesce(sum(%s), 0)::bigint" % c for c in STAT_COLS))
    return dict(zip(STAT_COLS, r))


def measured_scan(conn, pid, query, expect):
    """Run query under EXPLAIN ANALYZE (every column converted, no rows sent
    to the client) and return what it cost the backend and the network.
    A row count other than expect, an error, a retry or throttling fail."""
    before = okta_stats(conn)
    cpu0 = cpu_seconds(conn, pid)
    sim0 = sim_cpu_seconds()
    ctl("traffic", "reset")
    t0 = time.monotonic()
    plan = one(conn, "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, COSTS OFF, FORMAT JSON) "
               + query)[0]
    wall = time.monotonic() - t0
    traffic = ctl("traffic")
    cpu = cpu_seconds(conn, pid) - cpu0
    sim = sim_cpu_seconds() - sim0
    after = okta_stats(conn)
    stats = {k: after[k] - before[k] for k in STAT_COLS}
    rows = plan[0]["Plan"]["Actual Rows"]
    if rows != expect:
        raise RuntimeError("%s returned %d rows, the org has %d" % (query, rows, expect))
    if stats["errors"] or stats["retries"] or stats["throttled_ms"]:
        raise RuntimeError("%s: %d errors, %d retries, throttled %d ms"
                           % (query, stats["errors"], stats["retries"], stats["throttled_ms"]))
    return {"wall": wall, "cpu": cpu, "sim_cpu": sim, "rows": rows, "stats": stats,
            "traffic": traffic}


# ---- curl ---------------------------------------------------------------------

def curl_headers_file():
    path = os.path.join(WORK, "curl-auth.txt")
    with open(os.path.join(SIM_DIR, "clients.json")) as f:
        token = json.load(f)["api_token"]
    with open(path, "w") as f:
        f.write("Authorization: SSWS %s\nAccept: application/json\n" % token)
    os.chmod(path, 0o600)
    return path, token


def curl_follow(auth, first_url):
    """curl, one process (one new TLS connection) per page, following the
    Link rel="next" headers.  Returns (urls, body bytes)."""
    urls, total, url = [], 0, first_url
    while url:
        urls.append(url)
        out = subprocess.run(["curl", "-sS", "--cacert", CA, "-H", "@" + auth, "-D", "-",
                              "-o", "/dev/null", "-w", "\n%{http_code} %{size_download}", url],
                             capture_output=True, text=True, check=True).stdout
        lines = out.splitlines()
        code, size = lines[-1].split()
        if code != "200":
            raise RuntimeError("curl %s: HTTP %s" % (url, code))
        total += int(size)
        url = None
        for line in lines:
            if line.lower().startswith("link:") and 'rel="next"' in line:
                url = line.split("<", 1)[1].split(">", 1)[0]
    return urls, total


def curl_one_connection(auth, urls, compressed=False):
    """One curl process fetching urls in order over one kept-alive
    connection.  Returns (seconds, body bytes as received, connections)."""
    config = os.path.join(WORK, "curl-urls.txt")
    with open(config, "w") as f:
        for url in urls:
            f.write('url = "%s"\noutput = "/dev/null"\n' % url)
    cmd = ["curl", "-sS", "--cacert", CA, "-H", "@" + auth, "-K", config,
           "-w", "%{http_code} %{size_download} %{num_connects}\n"]
    if compressed:
        cmd.insert(1, "--compressed")
    t0 = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    wall = time.monotonic() - t0
    total = connects = 0
    lines = out.splitlines()
    if len(lines) != len(urls):
        raise RuntimeError("curl fetched %d of %d pages" % (len(lines), len(urls)))
    for line in lines:
        code, size, conns = line.split()
        if code != "200":
            raise RuntimeError("curl: HTTP %s" % code)
        total += int(size)
        connects += int(conns)
    return wall, total, connects


def print_table(failed=None):
    """The one table: every figure measured, in step order (also when a step
    failed, with what was measured before it)."""
    steal0, total0 = context.get("ticks", (0, 0))
    steal1, total1 = host_cpu_ticks()
    steal = 100.0 * (steal1 - steal0) / max(1, total1 - total0)
    print()
    print("oktafdw %s benchmark: %s users, %s groups, %s memberships; page_size %d; "
          "Okta simulator over HTTPS on loopback"
          % (context.get("version", "?"), n(context.get("users", 0)),
             n(context.get("groups", 0)), n(context.get("members", 0)), PAGE))
    print("PostgreSQL %s, curl %s, %d CPUs (%s), load average %s at the start, CPU steal "
          "during the run %.1f%%; MB = 10^6 bytes"
          % (context.get("pg_version", "?"), context.get("curl_version", "?"), os.cpu_count(),
             context.get("cpu_model", "?"), context.get("loadavg", "?"), steal))
    rows = sorted(rows_out, key=lambda r: int(r[0]))    # stable: a step's figures stay in order
    if failed:
        rows.append(("!", "FAILED", "", failed))
    w1 = max([len(r[1]) for r in rows] + [6])
    w2 = max([len(r[2]) for r in rows] + [5])
    print("%-2s  %-*s  %*s  %s" % ("#", w1, "figure", w2, "value", "notes"))
    print("-" * (w1 + w2 + 40))
    last = None
    for step, figure, value, note in rows:
        if last is not None and step != last:
            print()
        last = step
        print("%-2s  %-*s  %*s  %s" % (step, w1, figure, w2, value, note))
    print("-" * (w1 + w2 + 40))


# ---- the run ----------------------------------------------------------------------

def main():
    started = time.monotonic()
    context["ticks"] = host_cpu_ticks()
    with open("/proc/loadavg") as f:
        context["loadavg"] = f.read().split()[0]
    status = ctl("status")
    n_users, n_groups = status["users"], status["groups"]
    context.update(users=n_users, groups=n_groups)
    memberships = json.load(open(os.path.join(SIM_DIR, "memberships.json"), encoding="utf-8"))
    n_members = len(memberships)
    group_sizes = {}
    for m in memberships:
        group_sizes[m["group_id"]] = group_sizes.get(m["group_id"], 0) + 1
    largest_group = max(group_sizes.values()) if group_sizes else 0
    del memberships
    with open(os.path.join(SIM_DIR, "client-rsa.pem")) as f:
        key = f.read()

    admin = connect()
    with admin.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS oktafdw")
        cur.execute("DROP SERVER IF EXISTS okta CASCADE")
        cur.execute("CREATE SERVER okta FOREIGN DATA WRAPPER oktafdw "
                    "OPTIONS (org_url %s, ca_file %s, page_size %s)", (SIM_URL, CA, str(PAGE)))
        cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER okta "
                    "OPTIONS (client_id '0oaplain', private_key %s, key_id 'k1')", (key,))
        cur.execute("DROP SCHEMA IF EXISTS okta CASCADE")
        cur.execute("CREATE SCHEMA okta")
        cur.execute("SET client_min_messages = warning")
        cur.execute("IMPORT FOREIGN SCHEMA okta LIMIT TO (users, group_members) "
                    "FROM SERVER okta INTO okta")
    version = one(admin, "SELECT oktafdw_version()")[0]
    pg_version = one(admin, "SHOW server_version")[0].split()[0]
    curl_version = subprocess.run(["curl", "--version"], capture_output=True,
                                  text=True).stdout.split()[1]
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                context["cpu_model"] = " ".join(line.split(":", 1)[1].split())
                break
    context.update(version=version, pg_version=pg_version, curl_version=curl_version,
                   members=n_members)

    # ---- 1. full scan -----------------------------------------------------
    idle = connect()
    one(idle, "SELECT 1")
    idle_pid = one(idle, "SELECT pg_backend_pid()")[0]
    conn = connect()
    pid = one(conn, "SELECT pg_backend_pid()")[0]
    # load the library, get a token, open the connection to Okta
    one(conn, "SELECT count(*) FROM (SELECT id FROM okta.users LIMIT 1) s")
    idle_hwm = status_kb(conn, idle_pid, "VmHWM")
    warm_hwm = status_kb(conn, pid, "VmHWM")
    idle.close()
    if want(1):
        progress("1. full scan of the users")
        scans = []
        for _ in range(SCANS):
            scans.append(measured_scan(conn, pid, "SELECT * FROM okta.users", n_users))
        scan_hwm = status_kb(conn, pid, "VmHWM")
        scan = median(scans, key=lambda r: r["wall"])
        st = scan["stats"]
        fig(1, "SELECT * FROM okta.users: wall time", secs(scan["wall"]),
            "median of %d scans (%s); %s rows, %s rows/s"
            % (SCANS, spread([r["wall"] for r in scans]), n(scan["rows"]),
               n(scan["rows"] / scan["wall"])))
        fig(1, "backend CPU per row (utime+stime)", "%.1f µs" % (scan["cpu"] / scan["rows"] * 1e6),
            "%.2f s CPU = %.0f%% of wall (the median scan)"
            % (scan["cpu"], 100 * scan["cpu"] / scan["wall"]))
        fig(1, "peak backend RSS (VmHWM)", "%s kB" % n(scan_hwm),
            "idle backend %s kB; this one before the scans %s kB (+%s kB)"
            % (n(idle_hwm), n(warm_hwm), n(scan_hwm - warm_hwm)))
        fig(1, "requests / pages (okta_stats)", "%d / %d" % (st["requests"], st["pages"]),
            "page_size %d; %d token requests" % (PAGE, st["token_requests"]))
        fig(1, "bytes (okta_stats)", mb(st["bytes"]),
            "%s bytes/row; simulator sent %s of bodies (%s with headers)"
            % (n(st["bytes"] / scan["rows"]), mb(scan["traffic"]["body_bytes"]),
               mb(scan["traffic"]["bytes"])))
        fig(1, "simulator CPU during the scan", secs(scan["sim_cpu"]),
            "%.1f ms/page, %.0f%% of the scan's wall time"
            % (scan["sim_cpu"] * 1000 / max(1, st["pages"]), 100 * scan["sim_cpu"] / scan["wall"]))

        # the same scan converting one column: what fetching and parsing whole
        # objects cost without the conversion of the other columns
        def projection(on):
            with admin.cursor() as cur:
                cur.execute("ALTER SERVER okta OPTIONS (DROP fields_projection)" if on else
                            "ALTER SERVER okta OPTIONS (ADD fields_projection 'false')")
            # the changed server gets a new client: its token is not the scan's cost
            one(conn, "SELECT count(*) FROM (SELECT id FROM okta.users LIMIT 1) s")
        projection(False)
        id_scan = measured_scan(conn, pid, "SELECT id FROM okta.users", n_users)
        fig(1, "SELECT id FROM okta.users (one column): wall time", secs(id_scan["wall"]),
            "CPU %.1f µs/row; whole objects (fields_projection off)"
            % (id_scan["cpu"] / id_scan["rows"] * 1e6))
        # and asking Okta for that column only (fields=id,status)
        projection(True)
        fields_scan = measured_scan(conn, pid, "SELECT id FROM okta.users", n_users)
        fig(1, "the same with fields=id,status: wall time", secs(fields_scan["wall"]),
            "CPU %.1f µs/row; %s (%.0f%% of whole objects); simulator CPU %s"
            % (fields_scan["cpu"] / fields_scan["rows"] * 1e6, mb(fields_scan["stats"]["bytes"]),
               100.0 * fields_scan["stats"]["bytes"] / max(1, id_scan["stats"]["bytes"]),
               secs(fields_scan["sim_cpu"])))

    # ---- 2. the same pages with curl ------------------------------------------
    auth, token = curl_headers_file()
    if want(2):
        progress("2. the same pages with curl")
        t0 = time.monotonic()
        urls_plain, bytes_plain = curl_follow(auth, SIM_URL + "/api/v1/users?limit=%d" % PAGE)
        urls_dep, bytes_dep = curl_follow(
            auth, SIM_URL + "/api/v1/users?filter=status%%20eq%%20%%22DEPROVISIONED%%22&limit=%d"
            % PAGE)
        follow_wall = time.monotonic() - t0
        urls = urls_plain + urls_dep
        curl_bytes = bytes_plain + bytes_dep
        # the ratio from pairs run back to back (a scan, then curl over the
        # same pages), so that both halves of a pair see the same machine:
        # on a shared VM the speed of either moves by tens of percent
        # between seconds
        ones, pair_scans = [], []
        for _ in range(PAIRS):
            pair_scans.append(measured_scan(conn, pid, "SELECT * FROM okta.users", n_users))
            ones.append(curl_one_connection(auth, urls))
        for wall, got_bytes, conns in ones:
            if conns != 1 or got_bytes != curl_bytes:
                raise RuntimeError("curl over one connection: %d connections, %d bytes "
                                   "(expected 1, %d)" % (conns, got_bytes, curl_bytes))
        one_wall = median([o[0] for o in ones])
        ratios = [sc["wall"] / o[0] for sc, o in zip(pair_scans, ones)]
        fig(2, "curl following Link rel=next, a process per page", secs(follow_wall),
            "%d + %d pages, %s; new TLS connection per page" % (len(urls_plain), len(urls_dep),
                                                               mb(curl_bytes)))
        fig(2, "curl, the same URLs over one connection", secs(one_wall),
            "median of %d (%s); %s MB/s" % (PAIRS, spread([o[0] for o in ones]),
                                            n(curl_bytes / one_wall / 1e6)))
        fig(2, "ratio scan / curl (process per page)", ratio(scan["wall"], follow_wall))
        fig(2, "ratio scan / curl (one connection)", "%.2f×" % median(ratios),
            "median of %d pairs run back to back (%.2f× to %.2f×); their scans %s, "
            "CPU %.1f µs/row" % (PAIRS, min(ratios), max(ratios),
                                 secs(median([sc["wall"] for sc in pair_scans])),
                                 median([sc["cpu"] / sc["rows"] * 1e6 for sc in pair_scans])))
        if len(urls) != st["pages"]:
            fig(2, "NOTE", "curl fetched %d pages, the scan %d" % (len(urls), st["pages"]))

    # ---- 3. 50 ms per request ---------------------------------------------------
    if want(3):
        progress("3. full scan with %d ms per request" % LATENCY_MS)
        ctl("delay", str(LATENCY_MS))
        try:
            slow = measured_scan(conn, pid, "SELECT * FROM okta.users", n_users)
        finally:
            ctl("delay", "0")
        reqs = slow["stats"]["requests"]
        floor = reqs * LATENCY_MS / 1000.0
        fig(3, "scan with %d ms per request: wall time" % LATENCY_MS, secs(slow["wall"]),
            "%d requests × %d ms = %s" % (reqs, LATENCY_MS, secs(floor)))
        fig(3, "ratio wall / (requests × %d ms)" % LATENCY_MS, ratio(slow["wall"], floor),
            "1.00× = only the latency, requests one after another")

    # ---- 4. group_members fan-out at max_concurrency 1, 4, 8 ----------------------------
    if want(4):
        progress("4. group_members with %d ms per request, max_concurrency %s"
                 % (FANOUT_LATENCY_MS, ", ".join(map(str, CONCURRENCY))))
        fan = {}
        ctl("delay", str(FANOUT_LATENCY_MS))
        try:
            for i, mc in enumerate(CONCURRENCY):
                with admin.cursor() as cur:
                    cur.execute("ALTER SERVER okta OPTIONS (%s max_concurrency %%s)"
                                % ("ADD" if i == 0 else "SET"), (str(mc),))
                fan[mc] = measured_scan(conn, pid, "SELECT * FROM okta.group_members", n_members)
        finally:
            ctl("delay", "0")
        base = fan[CONCURRENCY[0]]["wall"]
        for mc in CONCURRENCY:
            r = fan[mc]
            fig(4, "group_members, %d ms/request, max_concurrency %d" % (FANOUT_LATENCY_MS, mc),
                secs(r["wall"]), "speedup %s vs 1; %d requests (%s at %d ms), %s rows; "
                "CPU: backend %s, simulator %s"
                % (ratio(base, r["wall"]), r["stats"]["requests"],
                   secs(r["stats"]["requests"] * FANOUT_LATENCY_MS / 1000.0), FANOUT_LATENCY_MS,
                   n(r["rows"]), secs(r["cpu"]), secs(r["sim_cpu"])))
        # A group's member pages come one after another (each next link is
        # in the previous reply), so the largest group alone takes its
        # pages × the time of one request at any concurrency; with mc
        # listings at once the requests take at least requests / mc of
        # those times.  The larger of the two is the best a fan-out can do.
        chain_pages = max(1, -(-largest_group // PAGE))
        requests = max(1, fan[CONCURRENCY[0]]["stats"]["requests"])
        per_request = base / requests
        chain = 1 + chain_pages     # the first page of groups, then that group's pages
        fig(4, "the largest group's pages, one after another", secs(chain * per_request),
            "%s members = %d pages (+1 page of groups) × %.1f ms per request (max_concurrency "
            "%d): no concurrency is faster" % (n(largest_group), chain_pages, per_request * 1000,
                                               CONCURRENCY[0]))
        for mc in CONCURRENCY[1:]:
            best = max(chain, -(-requests // mc)) * per_request
            fig(4, "max_concurrency %d: best possible, reached" % mc,
                "%s, %.0f%%" % (secs(best), 100.0 * best / fan[mc]["wall"]),
                "max(largest group's chain, %d requests / %d) × %.1f ms; speedup at most %s"
                % (requests, mc, per_request * 1000, ratio(base, best)))

    # ---- 6. gzip (before 5, which writes 2 × USERS rows) ---------------------------------------------------------------------------
    if want(6):
        progress("6. gzip")
        ctl("gzip", "on")
        try:
            curl_one_connection(auth, urls, compressed=True)     # the simulator compresses once
            gz_curl = [curl_one_connection(auth, urls, compressed=True) for _ in range(SCANS)]
            # scans with gzip off and on in turn, so that both see the same machine
            gz = {"off": [], "on": []}
            for _ in range(SCANS):
                for mode in ("off", "on"):
                    ctl("gzip", mode)
                    gz[mode].append(measured_scan(conn, pid, "SELECT * FROM okta.users", n_users))
        finally:
            ctl("gzip", "off")
        gz_wall, gz_bytes, _ = median(gz_curl)
        fig(6, "curl one connection, identity: body bytes", mb(curl_bytes),
            "%s (step 2)" % secs(one_wall))
        fig(6, "curl one connection, --compressed: body bytes", mb(gz_bytes),
            "%s, median of %d (%s); %.1f%% of the bytes"
            % (secs(gz_wall), SCANS, spread([g[0] for g in gz_curl]), 100.0 * gz_bytes / curl_bytes))
        med = {}
        for mode in ("off", "on"):
            med[mode] = median(gz[mode], key=lambda r: r["wall"])
            t = med[mode]["traffic"]
            fig(6, "scan, gzip %s: body bytes on the wire" % mode, mb(t["body_bytes"]),
                "%s, median of %d (%s); CPU %.1f µs/row; %d of %d replies gzipped"
                % (secs(med[mode]["wall"]), SCANS, spread([r["wall"] for r in gz[mode]]),
                   med[mode]["cpu"] / med[mode]["rows"] * 1e6, t["gzip_responses"],
                   t["responses"]))
        fig(6, "okta_stats bytes, gzip on", mb(med["on"]["stats"]["bytes"]),
            "gzip off: %s" % mb(med["off"]["stats"]["bytes"]))
        fig(6, "ratio gzip on / off: wire bytes, scan wall",
            "%.1f%%" % (100.0 * med["on"]["traffic"]["body_bytes"]
                        / max(1, med["off"]["traffic"]["body_bytes"])),
            ratio(med["on"]["wall"], med["off"]["wall"]))

    # ---- 5. REFRESH MATERIALIZED VIEW vs a sync script --------------------------------
    if want(5):
        progress("5. REFRESH MATERIALIZED VIEW and a sync script")
        with admin.cursor() as cur:
            cur.execute("DROP MATERIALIZED VIEW IF EXISTS directory")
            cur.execute("CREATE MATERIALIZED VIEW directory AS SELECT * FROM okta.users "
                        "WITH NO DATA")
            cur.execute("DROP TABLE IF EXISTS directory_sync")
            cur.execute("CHECKPOINT")
        t0 = time.monotonic()
        with conn.cursor() as cur:
            cur.execute("REFRESH MATERIALIZED VIEW directory")
        refresh_wall = time.monotonic() - t0
        with admin.cursor() as cur:
            cur.execute("CHECKPOINT")   # the matview's writes do not weigh on the script
        t0 = time.monotonic()
        out = subprocess.run([PY, os.path.join(HERE, "sync_users.py"), SIM_URL, token, CA,
                              "directory_sync"], capture_output=True, text=True)
        sync_wall = time.monotonic() - t0
        if out.returncode != 0:
            raise RuntimeError("sync_users.py failed:\n" + out.stderr)
        sync_rows, sync_pages = map(int, out.stdout.split())
        mv_rows = one(admin, "SELECT count(*) FROM directory")[0]
        differ = one(admin, "SELECT count(*) FROM ((TABLE directory EXCEPT ALL TABLE directory_sync)"
                     " UNION ALL (TABLE directory_sync EXCEPT ALL TABLE directory)) d")[0]
        if mv_rows != n_users or sync_rows != n_users or differ:
            raise RuntimeError("matview %d rows, sync script %d rows, %d rows differ (org: %d users)"
                               % (mv_rows, sync_rows, differ, n_users))
        fig(5, "REFRESH MATERIALIZED VIEW (SELECT * FROM okta.users)", secs(refresh_wall),
            "%s rows" % n(mv_rows))
        fig(5, "sync script: urllib + psycopg2 COPY, same rows", secs(sync_wall),
            "%d pages; a connection per page; rows equal to the matview's" % sync_pages)
        fig(5, "ratio refresh / sync script", ratio(refresh_wall, sync_wall))

    # ---- 7. okta_sync: a full load, then what changed --------------------------------
    if want(7):
        progress("7. okta_sync: full load, then 0.5% of users and the members of 1% of groups changed")
        with admin.cursor() as cur:
            cur.execute("SET client_min_messages = warning")
            cur.execute("DROP SERVER IF EXISTS okta_logs CASCADE")
            cur.execute("CREATE SERVER okta_logs FOREIGN DATA WRAPPER oktafdw "
                        "OPTIONS (org_url %s, ca_file %s, page_size %s, "
                        "scopes 'okta.users.read okta.groups.read okta.logs.read')",
                        (SIM_URL, CA, str(PAGE)))
            cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER okta_logs "
                        "OPTIONS (client_id '0oalogs', private_key %s, key_id 'k1')", (key,))
            for target in ("bench_mirror", "bench_mirror_logs"):
                cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % target)
        mirrors = (("okta", "bench_mirror", "without okta.logs.read"),
                   ("okta_logs", "bench_mirror_logs", "with okta.logs.read"))

        def sync(server, target, full):
            t0 = time.monotonic()
            r = one(conn, "SELECT mode, requests, users_upserted, memberships_added, "
                    "memberships_removed FROM okta_sync(%s, %s, %s)", (server, target, full))
            return time.monotonic() - t0, r

        loads = {}
        for server, target, _ in mirrors:
            loads[target] = sync(server, target, True)
            if loads[target][1][0] != "full":
                raise RuntimeError("%s: the first okta_sync was %s" % (target, loads[target][1][0]))
        # the changes, as one batch: 0.5% of users updated (one new user among
        # them, so that Everyone moves), a member added and one removed in 1%
        # of the groups
        users = json.load(open(os.path.join(SIM_DIR, "users.json"), encoding="utf-8"))
        groups = json.load(open(os.path.join(SIM_DIR, "groups.json"), encoding="utf-8"))
        members = json.load(open(os.path.join(SIM_DIR, "memberships.json"), encoding="utf-8"))
        active = [u["id"] for u in users if u["status"] == "ACTIVE"]
        n_changed_users = max(1, n_users // 200)
        steps = [["user-update", "%s title=bench-%d" % (uid, i)]
                 for i, uid in enumerate(active[:n_changed_users - 1])]
        steps.append(["user-create", "status=ACTIVE"])
        by_group = {}
        for m in members:
            by_group.setdefault(m["group_id"], set()).add(m["user_id"])
        okta_groups = [g["id"] for g in groups if g["type"] == "OKTA_GROUP" and by_group.get(g["id"])]
        n_changed_groups = max(1, n_groups // 100)
        for i, gid in enumerate(okta_groups[:n_changed_groups]):
            outsider = next(u for u in active[n_changed_users + i:] if u not in by_group[gid])
            steps.append(["member-add", "%s %s" % (gid, outsider)])
            steps.append(["member-remove", "%s %s" % (gid, sorted(by_group[gid])[0])])
        del users, members
        ctl("batch", json.dumps(steps))
        # the simulator indexes the changed org on the first listing after a
        # change (its own work, not a sync's): one listing first
        one(conn, "SELECT count(*) FROM okta.users WHERE last_updated > now() - interval '1 day'")
        incr = {}
        for server, target, _ in mirrors:
            incr[target] = sync(server, target, False)
            if incr[target][1][0] != "incremental":
                raise RuntimeError("%s: the second okta_sync was %s" % (target, incr[target][1][0]))
            counts = one(conn, "SELECT (SELECT count(*) FROM %s.users), "
                         "(SELECT count(*) FROM %s.group_members)" % (target, target))
            if counts[0] != n_users + 1:
                raise RuntimeError("%s has %d users, the org %d" % (target, counts[0], n_users + 1))
        # the same freshness by re-reading everything: materialized views
        with admin.cursor() as cur:
            cur.execute("DROP MATERIALIZED VIEW IF EXISTS bench_users, bench_members")
            cur.execute("CREATE MATERIALIZED VIEW bench_users AS SELECT * FROM okta.users WITH NO DATA")
            cur.execute("CREATE MATERIALIZED VIEW bench_members AS SELECT * FROM okta.group_members "
                        "WITH NO DATA")
        before = okta_stats(conn)
        t0 = time.monotonic()
        one(conn, "REFRESH MATERIALIZED VIEW bench_users; REFRESH MATERIALIZED VIEW bench_members; "
            "SELECT 1")
        refresh_wall = time.monotonic() - t0
        after = okta_stats(conn)
        refresh_requests = (after["requests"] + after["token_requests"]
                            - before["requests"] - before["token_requests"])
        fig(7, "changes made", "%s + %s" % (n(n_changed_users), n(2 * n_changed_groups)),
            "users updated (one of them new) + memberships added/removed in %d groups"
            % n_changed_groups)
        fig(7, "REFRESH MATERIALIZED VIEW users + group_members", secs(refresh_wall),
            "%s requests" % n(refresh_requests))
        for server, target, label in mirrors:
            fw, fr = loads[target]
            iw, ir = incr[target]
            fig(7, "okta_sync full load, %s" % label, secs(fw),
                "%s requests; %s users, %s memberships" % (n(fr[1]), n(fr[2]), n(fr[3])))
            target_share = 5 if server == "okta_logs" else 30
            fig(7, "okta_sync incremental, %s" % label, secs(iw),
                "%s requests = %.2f%% of the full load's (target <= %d%%); wall %.1f%% (target "
                "<= 10%%); %s users upserted, +%s/-%s memberships"
                % (n(ir[1]), 100.0 * ir[1] / max(1, fr[1]), target_share, 100.0 * iw / fw,
                   n(ir[2]), n(ir[3]), n(ir[4])))

    conn.close()
    admin.close()

    print_table()
    print("measurements took %.0f s" % (time.monotonic() - started))
    return 0


def _terminated(signum, frame):
    raise RuntimeError("terminated by signal %d" % signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminated)
    try:
        sys.exit(main())
    except Exception as err:   # a step failed: say which, exit non-zero
        import traceback
        traceback.print_exc()
        print_table(failed=str(err).splitlines()[0] if str(err) else type(err).__name__)
        print("bench: FAILED: %s" % err, file=sys.stderr)
        sys.exit(1)
