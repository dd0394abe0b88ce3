# oktafdw: PostgreSQL foreign data wrapper for Okta
MODULE_big = oktafdw
CLIENT_OBJS = src/client/util.o src/client/http.o src/client/jwt.o \
	src/client/page.o src/client/jtape.o src/client/auth.o src/client/exchange.o \
	src/client/client.o src/client/search.o src/client/request.o \
	src/client/rate.o
OBJS = src/oktafdw.o src/option.o src/tables.o src/connection.o src/deparse.o src/requests.o \
	src/convert.o src/import.o src/admin.o src/budget.o src/analyze.o $(CLIENT_OBJS)
# jsonb and numeric written from the tape (also built into test/jsonb's module)
OBJS += src/jsonb_write.o

EXTENSION = oktafdw
DATA = sql/oktafdw--0.1.0.sql sql/oktafdw--0.1.0--0.2.0.sql
PGFILEDESC = "oktafdw - foreign data wrapper for Okta"

REGRESS = setup options auth admin tables pushdown matrix joins fields differential import upgrade explain apps faults convert cron jsonb_bytes system_log sync
REGRESS_OPTS = --inputdir=.


# ---- C libraries, through pkg-config, evaluated once ----
# Each .pc file with the Debian package that ships it (test/deps.sh installs
# them all).  A goal that compiles stops at once when one is missing, naming
# the package; goals that compile nothing (make demo installs the packages
# first, make clean) ask nothing.
OC_PC_PACKAGES = json-c:libjson-c-dev libcurl:libcurl4-openssl-dev libcrypto:libssl-dev
OC_NOBUILD_GOALS = demo demo-stop clean distclean maintainer-clean fuzz-clean dist test-deb test-meta
OC_BUILDS := $(filter-out $(OC_NOBUILD_GOALS),$(or $(MAKECMDGOALS),all))

ifneq ($(OC_BUILDS),)
ifeq ($(shell command -v pkg-config 2>/dev/null),)
$(error pkg-config is not installed: apt-get install pkg-config (or run test/deps.sh))
endif
OC_PC_MISSING := $(shell for p in $(OC_PC_PACKAGES); do \
	pkg-config --exists "$${p%%:*}" 2>/dev/null || printf '%s ' "$${p#*:}"; done)
ifneq ($(strip $(OC_PC_MISSING)),)
$(error missing C libraries: apt-get install $(strip $(OC_PC_MISSING)) (or run test/deps.sh))
endif
OC_PKG_CFLAGS := $(shell pkg-config --cflags json-c libcurl)
OC_PKG_LIBS := $(shell pkg-config --libs json-c libcurl libcrypto)
endif

PG_CPPFLAGS = -I$(srcdir)/src $(OC_PKG_CFLAGS)
SHLIB_LINK = $(OC_PKG_LIBS)

EXTRA_CLEAN = test/unit/test_client test/unit/test_client_scan0 test/unit/test_client_scan1 test/unit/*.o test/bench/tape_bench test/bench/users_page.json

# no LLVM bitcode: nothing here benefits from JIT inlining, and it needs clang
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
else ifneq ($(OC_BUILDS),)
$(error $(PG_CONFIG) not found: apt-get install postgresql-server-dev-15 (or run test/deps.sh))
endif

# PGXS does not track headers: every object depends on ours.  (Not HEADERS:
# PGXS installs the files named there.)
PRIVATE_HEADERS = src/oktafdw.h src/client/okta_client.h src/client/oc_internal.h \
	src/jsonb_write.h
$(OBJS): $(PRIVATE_HEADERS)

# ---- unit tests of the client layer (no PostgreSQL) ----
# -pthread: the exchange group's scripted HTTP server runs in a thread;
# UNIT_WRAP: the client layer's allocations go through the test's wrappers,
# which fail one on demand (the oom group)
UNIT_CFLAGS = -g -O1 -Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes \
	-Wdeclaration-after-statement -pthread -I$(srcdir)/src $(OC_PKG_CFLAGS)
UNIT_WRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
UNIT_LIBS = $(OC_PKG_LIBS)
CLIENT_SRCS = $(CLIENT_OBJS:.o=.c)

test/unit/test_client: test/unit/test_client.c $(CLIENT_SRCS) src/client/okta_client.h src/client/oc_internal.h
	$(CC) $(UNIT_CFLAGS) -o $@ test/unit/test_client.c $(CLIENT_SRCS) $(UNIT_WRAP) $(UNIT_LIBS)

# the tape's string scanner has a path per OC_JTAPE_SCAN level (2: SSE2,
# 1: 64-bit words, 0: any C99; see scan_plain in src/client/jtape.c): the
# tape groups also run built with each portable one
test/unit/test_client_scan%: test/unit/test_client.c $(CLIENT_SRCS) src/client/okta_client.h src/client/oc_internal.h
	$(CC) $(UNIT_CFLAGS) -DOC_JTAPE_SCAN=$* -o $@ test/unit/test_client.c $(CLIENT_SRCS) \
		$(UNIT_WRAP) $(UNIT_LIBS)

# no two files of the module call into each other both ways
.PHONY: check-calls
check-calls: all
	test/check_calls.sh $(OBJS)

.PHONY: unit test demo demo-stop soak bench
unit: test/unit/test_client test/unit/test_client_scan1 test/unit/test_client_scan0
	test/unit/test_client test/unit/fixtures
	OC_UNIT_ONLY=tape,tape_scan,tape_where,page_parse test/unit/test_client_scan1 test/unit/fixtures
	OC_UNIT_ONLY=tape,tape_scan,tape_where,page_parse test/unit/test_client_scan0 test/unit/fixtures

test: all
	test/run_tests.sh

# make demo KEEP=1 leaves the cluster and the simulator running; make
# demo-stop stops them
demo:
	KEEP='$(KEEP)' test/demo.sh

demo-stop:
	test/demo.sh stop

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
	-Wdeclaration-after-statement -I$(srcdir)/src $(OC_PKG_CFLAGS)

test/bench/tape_bench: test/bench/tape_bench.c $(CLIENT_SRCS) src/client/okta_client.h src/client/oc_internal.h
	$(CC) $(BENCH_PARSE_CFLAGS) -o $@ test/bench/tape_bench.c $(CLIENT_SRCS) $(UNIT_LIBS)

test/bench/users_page.json: test/bench/tape_page.py test/sim/sim_data.py
	/usr/bin/python3 test/bench/tape_page.py $@

.PHONY: bench-parse
bench-parse: test/bench/tape_bench test/bench/users_page.json
	test/bench/tape_bench test/bench/users_page.json $(BENCH_ROUNDS)

# ---- the test-only module oktafdw_test (test/jsonb/) ----
# oktafdw's jsonb and numeric writer (src/jsonb_write.c, with the client's
# tape) shown to SQL, for the jsonb_bytes regression test.  test/lib.sh
# installs it into a test cluster's private tree (make install-test-module
# DESTDIR=...); make install never does.  Hidden visibility: it runs its own
# copy of the writer even in a backend that has loaded oktafdw.
TEST_MODULE = test/jsonb/oktafdw_test$(DLSUFFIX)
TEST_MODULE_SRCS = test/jsonb/oktafdw_test.c src/jsonb_write.c src/client/jtape.c src/client/util.c
EXTRA_CLEAN += $(TEST_MODULE)

$(TEST_MODULE): $(TEST_MODULE_SRCS) src/jsonb_write.h src/client/okta_client.h src/client/oc_internal.h
	$(CC) $(CFLAGS) $(CFLAGS_SL) -fvisibility=hidden \
		'-DPGDLLEXPORT=__attribute__((visibility("default")))' $(CPPFLAGS) \
		-shared -o $@ $(TEST_MODULE_SRCS) $(LDFLAGS) $(LDFLAGS_SL)

.PHONY: test-module install-test-module
test-module: $(TEST_MODULE)

install-test-module: $(TEST_MODULE)
	$(MKDIR_P) '$(DESTDIR)$(pkglibdir)' '$(DESTDIR)$(datadir)/extension'
	$(INSTALL_SHLIB) $(TEST_MODULE) '$(DESTDIR)$(pkglibdir)/'
	$(INSTALL_DATA) test/jsonb/oktafdw_test.control test/jsonb/oktafdw_test--1.0.sql \
		'$(DESTDIR)$(datadir)/extension/'

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

# ---- packaging: PGXN and Debian ----
# make dist: the archive PGXN takes (META.json at its top), made from the
# committed HEAD: every tracked file under oktafdw-VERSION/
EXTVERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(or $(srcdir),.)/oktafdw.control)
DIST = oktafdw-$(EXTVERSION).zip
.PHONY: dist test-meta test-deb
dist:
	git archive --format zip --prefix=oktafdw-$(EXTVERSION)/ -o $(DIST) HEAD

# META.json against the PGXN Meta Spec, and make dist (make test runs it)
test-meta:
	/usr/bin/python3 test/meta.py

# the .deb (dpkg-buildpackage in a copy of the tree), installed into a clean
# Debian 12 chroot and used there against the Okta simulator (needs root)
test-deb:
	test/deb.sh
