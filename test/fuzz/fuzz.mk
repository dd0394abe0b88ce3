# test/fuzz/fuzz.mk -- fuzzing and memory checking of the client layer.
#
# Included at the end of the top-level Makefile (after PGXS), so it only
# defines FUZZ_* / VG_* variables and its own targets:
#
#   make fuzz            every libFuzzer harness for FUZZ_SECONDS (60) each
#   make fuzz-smoke      the same for FUZZ_SMOKE_SECONDS (8) each
#   make fuzz-crashes    replay the known-crashing inputs (corpus/*/crash-*)
#   make valgrind-unit   test/unit/test_client under valgrind memcheck
#   make asan-unit       test/unit/test_client_asan (clang ASan + UBSan)
#
# Each prints a closing "N passed, N failed" line.  See test/fuzz/README.md.

# clang 14 (Debian 12), with the libFuzzer runtime from libclang-rt-14-dev
ifndef FUZZ_CC
FUZZ_CC := $(or $(shell command -v clang-14 2>/dev/null),clang)
endif
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 8
# harnesses run side by side (each on its own core)
FUZZ_JOBS ?= 2
FUZZ_DIR = test/fuzz
FUZZ_BUILD = $(FUZZ_DIR)/build
FUZZ_HARNESSES = link page search pem
FUZZ_BINS = $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_CLIENT_SRCS = $(sort $(wildcard src/client/*.c))
FUZZ_CLIENT_HDRS = src/client/okta_client.h src/client/oc_internal.h
FUZZ_CLIENT_OBJS = $(FUZZ_CLIENT_SRCS:src/client/%.c=$(FUZZ_BUILD)/client/%.o)
# pkg-config's answers, found once by the top-level Makefile
FUZZ_PKG_CFLAGS = $(OC_PKG_CFLAGS)
FUZZ_PKG_LIBS = $(OC_PKG_LIBS)
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter \
	-I src $(FUZZ_PKG_CFLAGS)

# the client layer, instrumented for coverage once, shared by the harnesses
$(FUZZ_BUILD)/client/%.o: src/client/%.c $(FUZZ_CLIENT_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_CLIENT_OBJS) $(FUZZ_CLIENT_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
		$(FUZZ_CLIENT_OBJS) $(FUZZ_PKG_LIBS)

.PHONY: fuzz fuzz-long fuzz-smoke fuzz-build fuzz-crashes fuzz-clean valgrind-unit asan-unit

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_JOBS=$(FUZZ_JOBS) $(FUZZ_DIR)/run_fuzzers.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

# the long run: every harness to FUZZ_LONG_EXECS executions (10 million), one
# harness per core; about an hour on 2 cores (fuzz_pem runs OpenSSL's slow
# decoders); the figures of a run are in test/fuzz/README.md
FUZZ_LONG_EXECS ?= 10000000
fuzz-long: fuzz-build
	@FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_MIN_EXECS=$(FUZZ_LONG_EXECS) $(FUZZ_DIR)/run_fuzzers.sh 0 $(FUZZ_BINS)

fuzz-smoke: fuzz-build
	@FUZZ_JOBS=$(FUZZ_JOBS) $(FUZZ_DIR)/run_fuzzers.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_BINS)

fuzz-crashes: fuzz-build
	@$(FUZZ_DIR)/run_fuzzers.sh replay $(FUZZ_BINS)

fuzz-clean:
	rm -rf $(FUZZ_BUILD) $(FUZZ_DIR)/artifacts test/unit/test_client_asan

clean: fuzz-clean

# ---- the unit test under valgrind and under ASan/UBSan ----
VG_FLAGS = --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--error-exitcode=99 --num-callers=30
VG_UNIT_ARGS = test/unit/fixtures

valgrind-unit: test/unit/test_client
	@$(FUZZ_DIR)/memcheck.sh valgrind "$(VG_FLAGS)" test/unit/test_client $(VG_UNIT_ARGS)

test/unit/test_client_asan: test/unit/test_client.c $(FUZZ_CLIENT_SRCS) $(FUZZ_CLIENT_HDRS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -pthread -o $@ test/unit/test_client.c \
		$(FUZZ_CLIENT_SRCS) $(UNIT_WRAP) $(FUZZ_PKG_LIBS)

asan-unit: test/unit/test_client_asan
	@$(FUZZ_DIR)/memcheck.sh asan "" test/unit/test_client_asan $(VG_UNIT_ARGS)
