#!/usr/bin/python3
"""oktasim: a strict local simulator of the Okta Management API for oktafdw tests.

    oktasim.py init  DIR [--users N] [--groups G] [--seed S] [--apps A]
    oktasim.py serve DIR [--port 0] [--bind 127.0.0.1] [--rate-limit N] [--verbose]
                         [--record-secrets] [--gzip] [--fields on|ignore|reject]
                         [--logs-rate-limit N] [--log-delay S] [--timestamps ms|s]
    oktasim.py ctl   DIR ACTION [ARG...]

init writes the test PKI, the registered OAuth clients (clients.json), the
generated org (org.json) and ground truth (users.json, groups.json,
memberships.json).  serve answers over HTTPS at https://localhost:PORT and
writes DIR/port, DIR/pid and DIR/requests.log (and, with --record-secrets,
DIR/secrets.log).  ctl posts to /__sim/ACTION.
See README.md beside this file.

Run with Debian's /usr/bin/python3 (stdlib + python3-cryptography).
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sim_apps      # noqa: E402
import sim_data      # noqa: E402
import sim_pki       # noqa: E402
import sim_server    # noqa: E402


def _dump(path, obj):
    sim_pki.write_file(path, json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")


def cmd_init(args):
    started = time.time()
    directory = os.path.abspath(args.dir)
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o755)
    if args.users < 0 or args.groups < 0 or args.apps < 0:
        sys.stderr.write("oktasim: --users, --groups and --apps must be >= 0\n")
        return 2
    sim_pki.make_credentials(directory)
    org = sim_data.generate_org(args.users, args.groups, args.seed)
    members = {g["id"]: set() for g in org["groups"]}
    for gid, uid in org["memberships"]:
        members[gid].add(uid)
    org.update(sim_apps.generate(org["users"], org["groups"], members, args.seed, args.apps))
    _dump(os.path.join(directory, "org.json"), org)
    _dump(os.path.join(directory, "users.json"), org["users"])
    _dump(os.path.join(directory, "groups.json"), org["groups"])
    _dump(os.path.join(directory, "memberships.json"),
          [{"group_id": g, "user_id": u} for g, u in org["memberships"]])
    # apps.json, app_users.json, app_groups.json, user_factors.json, user_roles.json:
    # as the server writes them (sim_apps.AppsState.truth)
    state = sim_apps.AppsState(org, "https://localhost")
    state.rebuild({u["id"]: u for u in org["users"]}, {g["id"]: g for g in org["groups"]},
                  members)
    for name, data in state.truth([u["id"] for u in org["users"]]).items():
        sim_pki.write_file(os.path.join(directory, name), data)
    try:
        os.unlink(os.path.join(directory, "requests.log"))
    except FileNotFoundError:
        pass
    print("oktasim: initialised %s: %d users, %d groups, %d memberships, %d apps (%.1f s)"
          % (directory, len(org["users"]), len(org["groups"]), len(org["memberships"]),
             len(org["apps"]), time.time() - started))
    return 0


def cmd_serve(args):
    if args.rate_limit < 0:
        sys.stderr.write("oktasim: --rate-limit must be >= 0\n")
        return 2
    if args.logs_rate_limit < 0 or args.log_delay < 0:
        sys.stderr.write("oktasim: --logs-rate-limit and --log-delay must be >= 0\n")
        return 2
    return sim_server.serve(args.dir, port=args.port, bind=args.bind,
                            rate_limit=args.rate_limit, verbose=args.verbose,
                            record_secrets=args.record_secrets, gzip_replies=args.gzip,
                            fields_mode=args.fields, logs_rate_limit=args.logs_rate_limit,
                            log_delay=args.log_delay, timestamps=args.timestamps)


def cmd_ctl(args):
    try:
        status, text = sim_server.control_request(args.dir, args.action,
                                                  " ".join(args.arg) or None)
    except (OSError, ValueError) as err:
        sys.stderr.write("oktasim: ctl %s failed: %s\n" % (args.action, err))
        return 1
    print(text)
    return 0 if status == 200 else 1


def main(argv=None):
    parser = argparse.ArgumentParser(prog="oktasim.py", description=__doc__.split("\n")[1])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="generate keys, clients and an org into DIR")
    p.add_argument("dir")
    p.add_argument("--users", type=int, default=10000)
    p.add_argument("--groups", type=int, default=60)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--apps", type=int, default=30)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="serve the org in DIR over HTTPS")
    p.add_argument("dir")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--rate-limit", type=int, default=10000,
                   help="requests per 60 s window per endpoint bucket (default 10000)")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--record-secrets", action="store_true",
                   help="append every access token issued and every client assertion, "
                   "DPoP proof and Authorization credential received to DIR/secrets.log")
    p.add_argument("--gzip", action="store_true",
                   help="gzip replies to requests that accept it (Accept-Encoding: gzip); "
                   "ctl gzip on|off changes it while serving")
    p.add_argument("--fields", choices=("on", "ignore", "reject"), default="on",
                   help="user listings' `fields` projection: on (default), ignore (whole "
                   "objects), reject (400 E0000001); ctl fields MODE changes it while serving")
    p.add_argument("--logs-rate-limit", type=int, default=sim_server.LOGS_RATE_LIMIT,
                   help="the System Log bucket's limit per 60 s window (default %d, Okta's "
                   "Workforce figure)" % sim_server.LOGS_RATE_LIMIT)
    p.add_argument("--log-delay", type=float, default=0.0,
                   help="seconds between an event and its showing in /api/v1/logs "
                   "(default 0); ctl log-delay S changes it while serving")
    p.add_argument("--timestamps", choices=("ms", "s"), default="ms",
                   help="changes' object timestamps: ms (default: every change its own "
                   "millisecond) or s (whole seconds, as recorded Okta objects show)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("ctl", help="control a running server: rotate-nonce, expire-tokens, "
                       "expire-tokens-after N, reset, rate-limit N, "
                       "fail-next STATUS[:COUNT] [after=N] [reset=S], delay MS[:COUNT] [after=N], "
                       "slow MS[:COUNT] [after=N], "
                       "bad-body malformed|truncated|short|reset|duplicate-keys[:COUNT] [after=N], "
                       "dpop-skew S, gzip on|off, fields on|ignore|reject, traffic [reset], "
                       "status; changes: user-create [k=v...] [status=S], user-update ID k=v..., "
                       "user-status ID STATUS, user-delete ID, group-create NAME "
                       "[description=D], group-rename GID NAME, group-update GID k=v..., "
                       "group-delete GID, member-add GID UID, member-remove GID UID, "
                       "churn N [--seed S]; log: log-delay S, log-seed N [days=D] [seed=S], "
                       "timestamps ms|s")
    p.add_argument("dir")
    p.add_argument("action")
    # everything after ACTION is its argument, options too (churn 5 --seed 7)
    p.add_argument("arg", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_ctl)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
