# oktafdw: PostgreSQL foreign data wrapper for Okta
MODULE_big = oktafdw
CLIENT_OBJS = src/client/util.o src/client/http.o src/client/jwt.o \
	src/client/page.o src/client/jtape.o src/client/auth.o src/client/client.o \
	src/client/search.o src/client/request.o
OBJS = src/oktafdw.o src/option.o src/tables.o src/connection.o src/deparse.o \
	src/convert.o src/import.o src/admin.o $(CLIENT_OBJS)

EXTENSION = oktafdw
DATA = sql/oktafdw--0.1.0.sql
PGFILEDESC = "oktafdw - foreign data wrapper for Okta"

REGRESS = setup options auth admin tables pushdown matrix joins fields differential import explain faults cron
REGRESS_OPTS = --inputdir=.


PG_CPPFLAGS = -I$(srcdir)/src $(shell pkg-config --cflags json-c libcurl)
SHLIB_LINK = $(shell pkg-config --libs json-c libcurl libcrypto)

EXTRA_CLEAN = test/unit/test_client test/unit/test_client_scan0 test/unit/test_client_scan1 test/unit/*.o test/bench/tape_bench test/bench/users_page.json

# no LLVM bitcode: nothing here benefits from JIT inlining, and it needs clang
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS does not track headers: every object depends on ours
HEADERS = src/oktafdw.h src/client/okta_client.h src/client/oc_internal.h
$(OBJS): $(HEADERS)

# ---- unit tests of the client layer (no PostgreSQL) ----
UNIT_CFLAGS = -g -O1 -Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes \
	-Wdeclaration-after-statement -I$(srcdir)/src $(shell pkg-config --cflags json-c libcurl)
UNIT_LIBS = $(shell pkg-config --libs json-c libcurl libcrypto)
CLIENT_SRCS = $(CLIENT_OBJS:.o=.c)

test/unit/test_client: test/unit/test_client.c $(CLIENT_SRCS) src/client/okta_client.h src/client/oc_internal.h
	$(CC) $(UNIT_CFLAGS) -o $@ test/unit/test_client.c $(CLIENT_SRCS) $(UNIT_LIBS)

# the tape's string scanner has a path per OC_JTAPE_SCAN level (2: SSE2,
# 1: 64-bit words, 0: any C99; see scan_plain in src/client/jtape.c): the
# tape groups also run built with each portable one
test/unit/test_client_scan%: test/unit/test_client.c $(CLIENT_SRCS) src/client/okta_client.h src/client/oc_internal.h
	$(CC) $(UNIT_CFLAGS) -DOC_JTAPE_SCAN=$* -o $@ test/unit/test_client.c $(CLIENT_SRCS) $(UNIT_LIBS)

.PHONY: unit test demo soak bench
unit: test/unit/test_client test/unit/test_client_scan1 test/unit/test_client_scan0
	test/unit/test_client test/unit/fixtures
	OC_UNIT_ONLY=tape,tape_scan,tape_where,page_parse test/unit/test_client_scan1 test/unit/fixtures
	OC_UNIT_ONLY=tape,tape_scan,tape_where,page_parse test/unit/test_client_scan0 test/unit/fixtures

test: all
	test/run_tests.sh

demo:
	test/demo.sh

# memory stays flat over many scans (make test runs 20)
soak: all
	test/soak.sh $(or $(SCANS),200)

# ---- fuzzing and memory checking (make fuzz, fuzz-smoke, valgrind-unit, asan-unit) ----
include test/fuzz/fuzz.mk

# what scans cost, one table (test/bench/README.md): USERS=100000 by default,
# QUICK=1 for a 5,000-user smoke, BENCH_GROUPS=1000 for the fan-out step
bench: all
	USERS='$(USERS)' QUICK='$(QUICK)' BENCH_GROUPS='$(BENCH_GROUPS)' STEPS='$(STEPS)' test/bench/bench.sh

# ---- micro-benchmark of the JSON tape (not a test: no thresholds) ----
# make bench-parse [BENCH_ROUNDS=15]: MB/s and ns per user of oc_json_tape
# against json-c's tokener on an Okta-like users page (test/bench/tape_bench.c);
# -O2 -fno-strict-aliasing -fwrapv as PostgreSQL compiles the module
BENCH_PARSE_CFLAGS = -g -O2 -fno-strict-aliasing -fwrapv -Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes \
	-Wdeclaration-after-statement -I$(srcdir)/src $(shell pkg-config --cflags json-c libcurl)

test/bench/tape_bench: test/bench/tape_bench.c $(CLIENT_SRCS) src/client/okta_client.h src/client/oc_internal.h
	$(CC) $(BENCH_PARSE_CFLAGS) -o $@ test/bench/tape_bench.c $(CLIENT_SRCS) $(UNIT_LIBS)

test/bench/users_page.json: test/bench/tape_page.py test/sim/sim_data.py
	/usr/bin/python3 test/bench/tape_page.py $@

.PHONY: bench-parse
bench-parse: test/bench/tape_bench test/bench/users_page.json
	test/bench/tape_bench test/bench/users_page.json $(BENCH_ROUNDS)

# ---- make installcheck against a running server; make test-versions ----
# PGXS's installcheck runs pg_regress through test/installcheck.sh: it
# starts the Okta simulator around it (unless make test's runs already) and
# leaves out the cron test when the server does not preload pg_cron.
PG_REGRESS_BIN = $(top_builddir)/src/test/regress/pg_regress
pg_regress_installcheck := $(subst $(PG_REGRESS_BIN),$(srcdir)/test/installcheck.sh $(PG_REGRESS_BIN),$(pg_regress_installcheck))

# the suite on PostgreSQL 17 and 18, each in a Debian chroot (needs root)
.PHONY: test-versions
test-versions:
	test/versions.sh
