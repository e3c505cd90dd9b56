# acidb — one Makefile, top to bottom: variables, then targets in the order a newcomer needs them.
#
#   make deps    install missing Debian packages (apt-get, as root or through sudo)
#   make         build/libacidb.a, the shell, the bench programs and the test suites
#   make run     build everything, create bank.db with the demo schema when missing, open the shell
#   make test    deps + build + every Criterion suite, then again under ASan+UBSan (clang)
#                and the concurrent suites under TSan, the fuzz targets briefly, lint
#   make soak    the 16-thread transfer workload for SOAK_SECONDS (default 600; make test: 30)
#   make fuzz    the libFuzzer targets of tests/fuzz, FUZZ_SECONDS each (default 300)
#   make lint    cppcheck and clang-tidy (.clang-tidy) over the library and the shell, and the
#                README citation check (tests/lint/citations.sh)
#   make bench   build the bench programs and run them: bank_bench's full run (acidb vs SQLite
#                [vs PostgreSQL], < 30 min) writes bench/results/<date>-<host>.md and PNG plots
#   make bench-quick   the same bank_bench in < 2 minutes (fewer threads, shorter runs)
#   make install [PREFIX=/usr/local] [DESTDIR=]   the shell, libacidb.so/.a, acidb.h, acidb.pc,
#                man pages; make uninstall removes them (see "install" below)
#   make clean   remove build/
#
# Variants: BUILD selects the output directory, SANITIZE a -fsanitize= list, so
# `make test-suites BUILD=build/asan SANITIZE=address,undefined` is one variant.

ifeq ($(origin CC),default)
CC       := gcc
endif
BUILD    ?= build
SANITIZE ?=
OPT      ?= -O2

# Debian packages the build, the tests and the benchmarks need.
DEPS_PKGS := build-essential pkg-config libxxhash-dev libcriterion-dev libreadline-dev \
             libsqlite3-dev clang libclang-rt-dev tmux cppcheck clang-tidy gnuplot-nox \
             libpq-dev sqlite3 libgmp-dev postgresql-15
# python3: tests/sql/pg_transcript.py (sql/postgresql) and the citation check of make lint.
DEPS_PKGS += python3
# Time zone rules (engine/tz.c reads /usr/share/zoneinfo).
DEPS_PKGS += tzdata

PKGS     := libxxhash gmp
CFLAGS   := -std=c11 $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -D_GNU_SOURCE -pthread -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread
# libm: the date/time code rounds with rint (engine/dt_*.c).
LDLIBS   += -lm
TESTLIBS := $(shell pkg-config --libs criterion 2>/dev/null)
BENCHLIBS:= $(shell pkg-config --libs sqlite3 2>/dev/null)

# TSan builds run the suites on tests/shim (a minimal Criterion stand-in): Criterion itself
# cannot start under TSan (see tests/shim/criterion/criterion.h).
CRITERION_SHIM ?=
ifneq ($(CRITERION_SHIM),)
CFLAGS   += -Itests/shim
TESTLIBS := $(BUILD)/obj/tests/shim/runner.o
endif

ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDLIBS  += -fsanitize=$(SANITIZE)
endif

# Library modules, dependencies pointing down: engine -> {wal, lockmgr} -> pager.
LIB_DIRS := pager lockmgr wal engine
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libacidb-internal.a

# One Criterion binary per folder under tests/ (tests/<suite>/*.c -> build/tests/<suite>).
# tests/common holds code shared by suites and the crash harness; tests/shim, tests/crash,
# tests/soak, tests/fuzz and tests/install are not Criterion suites.
SUITES      := $(filter-out shim common crash soak fuzz install,$(patsubst tests/%/,%,$(sort $(dir $(wildcard tests/*/*.c)))))
COMMON_OBJS  = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/common/*.c))
SUITE_BINS  := $(SUITES:%=$(BUILD)/tests/%)
# Suites that exercise threads and therefore also run under ThreadSanitizer.
TSAN_SUITES ?= $(filter lockmgr pager osfault wal engine faults,$(SUITES))

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

CRASH_BIN  := $(BUILD)/crash
SOAK_BIN   := $(BUILD)/soak

SHELL_SRCS := $(wildcard shell/*.c)
SHELL_BIN  := $(BUILD)/acidb

# Clients of the public API only — the shell, and the benches that compare acidb with other
# engines (bank_bench, sql_bench) — are compiled without -I. and with an include directory that
# holds nothing but a copy of engine/acidb.h (as an installed acidb.h would be): an #include of
# any other engine, wal, lockmgr or pager header in them fails the build. Their own headers sit
# beside them. The module benches (btree_bench, commit_bench, lock_bench) measure one module
# through its own header.
API_INC         := $(BUILD)/include
API_CFLAGS       = $(filter-out -I. -Itests/shim,$(CFLAGS)) -I$(API_INC)
API_BENCH_OBJS  := $(BUILD)/obj/bench/bank_bench.o $(BUILD)/obj/bench/sql_bench.o

# --- the shipped libraries (the internal archive above, $(LIB), is what tests and tools link) --
# build/libacidb-internal.a: every library object, all symbols global, plus the test-only
#   objects (the fault-injecting OS layer, the test hooks); the suites, the crash harness, the
#   soak, the fuzz targets and the module benches link it.
# build/libacidb.so.X.Y.Z (soname libacidb.so.X) and build/libacidb.a: the library without the
#   test-only objects, compiled position-independent into build/pic/, exporting acidb_* alone —
#   the shared one through the version script engine/acidb.map, the static one as a single
#   relocatable object (ld -r) whose other symbols objcopy made local. The shell links it.
#   They are compiled with -DACIDB_NO_TEST_HOOKS, which removes the engine's test-open path
#   (db_open_extra, engine/api.c: another OS layer, TXM_BREAK_* switches), so acidb_open there
#   always takes the defaults and no caller can weaken durability.
ACIDB_VER   := $(shell sed -n 's/^\#define ACIDB_VERSION "\(.*\)"/\1/p' engine/acidb.h)
ACIDB_MAJOR := $(firstword $(subst ., ,$(ACIDB_VER)))
TEST_ONLY_SRCS := pager/os_fault.c engine/testhooks.c
SHIP_SRCS   := $(filter-out $(TEST_ONLY_SRCS),$(LIB_SRCS))
PIC_OBJS    := $(SHIP_SRCS:%.c=$(BUILD)/pic/%.o)
SHIP_SO     := $(BUILD)/libacidb.so.$(ACIDB_VER)
SHIP_A      := $(BUILD)/libacidb.a
SHIP_LIBS   := $(SHIP_SO) $(BUILD)/libacidb.so.$(ACIDB_MAJOR) $(BUILD)/libacidb.so $(SHIP_A)

# Every reference resolved at link time, except under sanitizers (their runtime is the program's).
SO_NOUNDEF  := $(if $(SANITIZE),,-Wl,--no-undefined)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -DACIDB_NO_TEST_HOOKS -MMD -MP -c $< -o $@

$(SHIP_SO): $(PIC_OBJS) engine/acidb.map
	$(CC) $(CFLAGS) -shared -Wl,-soname,libacidb.so.$(ACIDB_MAJOR) $(SO_NOUNDEF) \
	  -Wl,--version-script=engine/acidb.map $(PIC_OBJS) -o $@ $(LDLIBS)
$(BUILD)/libacidb.so.$(ACIDB_MAJOR) $(BUILD)/libacidb.so: $(SHIP_SO)
	ln -sf $(notdir $<) $@

$(SHIP_A): $(PIC_OBJS)
	$(CC) -r -nostdlib $(PIC_OBJS) -o $(BUILD)/pic/acidb.o
	objcopy --wildcard --keep-global-symbol='acidb_*' $(BUILD)/pic/acidb.o
	rm -f $@
	ar rcs $@ $(BUILD)/pic/acidb.o

-include $(PIC_OBJS:.o=.d)

.PHONY: deps all run test test-suites test-tsan crash crash-quick soak soak-quick bench bench-quick \
        fuzz fuzz-quick \
        fuzz-bins fuzz-run fuzz-seeds lint lint-cppcheck lint-tidy lint-citations clean
.DEFAULT_GOAL := all

# Installs only what is missing; prints nothing and changes nothing when all is present.
deps:
	@missing=""; for p in $(DEPS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  echo "deps: installing$$missing"; \
	  $$sudo apt-get update -q && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

all: $(LIB) $(SHIP_LIBS) $(SHELL_BIN) $(BENCH_BINS) $(SUITE_BINS) $(CRASH_BIN) $(SOAK_BIN)

# deps first, then a fresh make: flags from pkg-config are read when make starts, and on a
# bare machine pkg-config itself arrives with deps.
# --demo creates the demo bank (accounts, transfers) in bank.db when it is missing and prints
# how to try a transfer (shell/README.md).
run: deps
	@$(MAKE) --no-print-directory all
	@$(BUILD)/acidb --demo bank.db

# The README's test command: plain build (gcc), then ASan+UBSan (clang), then TSan on the
# concurrent suites, then each fuzz target briefly (regressions replayed first), then lint. Each step stops the target on the first failing suite.
test: deps
	$(MAKE) --no-print-directory test-suites test-install crash-quick soak-quick
	$(MAKE) --no-print-directory test-suites BUILD=build/asan SANITIZE=address,undefined CC=clang
	$(MAKE) --no-print-directory test-tsan BUILD=build/tsan SANITIZE=thread CRITERION_SHIM=1
	$(MAKE) --no-print-directory fuzz-quick
	$(MAKE) --no-print-directory lint

# LeakSanitizer reports a leak when Criterion's worker process exits, after the test was
# reported passed, and the runner's exit status ignores it: each suite's output
# is kept in $(BUILD)/tests/<suite>.log and any "ERROR: LeakSanitizer" in it fails the suite.
test-suites: $(SUITE_BINS)
	@set -e; for s in $(SUITES); do \
	  echo "== suite $$s ($(if $(SANITIZE),$(SANITIZE),plain) build, $(CC))"; \
	  log=$(BUILD)/tests/$$s.log; \
	  { ASAN_OPTIONS=detect_leaks=1 $(BUILD)/tests/$$s --jobs 2 2>&1; echo $$? >$$log.rc; } \
	    | tee $$log; \
	  rc=$$(cat $$log.rc); [ "$$rc" -eq 0 ] || exit "$$rc"; \
	  if grep -q 'ERROR: LeakSanitizer' $$log; then \
	    echo "== suite $$s: LeakSanitizer reported $$(grep -c 'ERROR: LeakSanitizer' $$log) leak report(s) (above; $$log)"; \
	    exit 1; \
	  fi; \
	done

test-tsan: $(TSAN_SUITES:%=$(BUILD)/tests/%)
	@set -e; for s in $(TSAN_SUITES); do \
	  echo "== suite $$s (TSan)"; \
	  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	    $(BUILD)/tests/$$s; \
	done

# The date/time differential sweep (tests/dtdiff; `make test` runs its quick fixed-seed pass
# as a suite): DTDIFF_SWEEP_CASES generated cases against PostgreSQL 15 from DTDIFF_SEED
# (default: the time), the seed printed first.
DTDIFF_SWEEP_CASES ?= 1000000
.PHONY: dtdiff-sweep
dtdiff-sweep: $(BUILD)/tests/dtdiff
	DTDIFF_CASES=$(DTDIFF_SWEEP_CASES) DTDIFF_SEED=$(or $(DTDIFF_SEED),$(shell date +%s)) \
	  $(BUILD)/tests/dtdiff

# The crash harness (tests/crash/): kill -9, power loss (sectors kept, dropped, torn or
# garbled), I/O errors, and damage after a crash (a flipped log bit, a missing or swapped log,
# a torn page 0, a damaged index) against the bank workload. `make test` runs the quick pass
# (every mode briefly); `make crash` 10,000 runs of each (CRASH_SEED=S to replay, CRASH_ARGS
# for anything else, e.g. CRASH_ARGS="--break commit-sync" to watch it catch a bug).
CRASH_SEED  ?= $(shell date +%s)
CRASH_MODES := power kill io garble bitflip swaplog header index
crash-quick: $(CRASH_BIN)
	$(CRASH_BIN) --seed $(CRASH_SEED) $(CRASH_ARGS)

crash: deps
	@$(MAKE) --no-print-directory $(CRASH_BIN)
	@set -e; for m in $(CRASH_MODES); do \
	  echo "$(CRASH_BIN) --mode $$m --runs 10000 --seed $(CRASH_SEED) $(CRASH_ARGS)"; \
	  $(CRASH_BIN) --mode $$m --runs 10000 --seed $(CRASH_SEED) $(CRASH_ARGS); \
	done

# The soak (tests/soak/soak.c, tests/README.md "The soak"): the 16-thread SQL bank with
# checkpoints for SOAK_SECONDS; money, integrity, log size, RSS and per-thread progress
# asserted. `make test` runs it for SOAK_QUICK_SECONDS.
SOAK_SECONDS       ?= 600
SOAK_QUICK_SECONDS ?= 30
soak: deps
	@$(MAKE) --no-print-directory $(SOAK_BIN)
	$(SOAK_BIN) --seconds $(SOAK_SECONDS) $(SOAK_ARGS)

soak-quick: $(SOAK_BIN)
	$(SOAK_BIN) --seconds $(SOAK_QUICK_SECONDS) $(SOAK_ARGS)

# Fuzzing (tests/fuzz/, tests/README.md "Fuzzing"): libFuzzer targets built with clang under
# ASan+UBSan in build/fuzz/. Each run first replays tests/fuzz/regress/<target>/ (every input
# that ever crashed), then fuzzes for FUZZ_SECONDS from the seeds in tests/fuzz/corpus/<target>/
# plus the corpus grown by earlier runs (build/fuzz/corpus/<target>/, not committed). Any crash,
# leak, timeout or sanitizer report fails the target and leaves the input in
# build/fuzz/artifacts/<target>/. `make test` runs each for FUZZ_QUICK_RUNS inputs from a fixed
# seed (FUZZ_QUICK_SECONDS caps the time): the same inputs on every machine, so a CI run cannot
# fail on a finding a local run did not see; `make fuzz` explores freely. FUZZ_JOBS targets run
# at a time; FUZZ_TARGETS=sql selects.
FUZZ_TARGETS       := sql sqlgen dbfile log csv
FUZZ_SECONDS       ?= 300
FUZZ_QUICK_SECONDS ?= 60
FUZZ_QUICK_RUNS    ?= 2000
FUZZ_JOBS          ?= 2
FUZZ_RUNS          ?= -1
FUZZ_SEED          ?= 0
FUZZ_CORPUS_OUT    ?= $(BUILD)/corpus
FUZZ_FRESH         ?= 0
# Per-target libFuzzer options (without them the longest seed caps the input length).
FUZZ_ARGS_sql      := -max_len=4096
FUZZ_ARGS_sqlgen   := -max_len=1024
FUZZ_ARGS_csv      := -max_len=4096
FUZZ_SUBMAKE       := $(MAKE) --no-print-directory BUILD=build/fuzz CC=clang \
                      SANITIZE=fuzzer-no-link,address,undefined
FUZZ_BINS           = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

fuzz: deps
	+@$(FUZZ_SUBMAKE) fuzz-bins
	+@$(FUZZ_SUBMAKE) -j$(FUZZ_JOBS) fuzz-run FUZZ_TIME=$(FUZZ_SECONDS)

fuzz-quick:
	+@$(FUZZ_SUBMAKE) fuzz-bins
	+@$(FUZZ_SUBMAKE) -j$(FUZZ_JOBS) fuzz-run FUZZ_TIME=$(FUZZ_QUICK_SECONDS) \
	    FUZZ_RUNS=$(FUZZ_QUICK_RUNS) FUZZ_SEED=1 FUZZ_CORPUS_OUT=build/fuzz/quick-corpus \
	    FUZZ_FRESH=1

fuzz-bins: $(FUZZ_BINS)

fuzz-run: $(FUZZ_TARGETS:%=fuzz-run-%)

fuzz-run-%:
	@mkdir -p $(FUZZ_CORPUS_OUT)/$* $(BUILD)/artifacts/$*
	@if [ -n "$$(ls tests/fuzz/regress/$* 2>/dev/null)" ]; then \
	  $(BUILD)/fuzz/$* tests/fuzz/regress/$*/* 2>$(BUILD)/artifacts/$*/regress.log \
	    || { cat $(BUILD)/artifacts/$*/regress.log; \
	         echo "== fuzz $*: a regression input of tests/fuzz/regress/$* FAILED"; exit 1; }; \
	  echo "== fuzz $*: $$(ls tests/fuzz/regress/$* | wc -l) regression inputs pass"; \
	fi
	@if [ "$(FUZZ_FRESH)" = 1 ]; then rm -rf $(FUZZ_CORPUS_OUT)/$* && mkdir -p $(FUZZ_CORPUS_OUT)/$*; fi
	@$(BUILD)/fuzz/$* -max_total_time=$(FUZZ_TIME) -runs=$(FUZZ_RUNS) -seed=$(FUZZ_SEED) \
	    -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=$(BUILD)/artifacts/$*/ $(FUZZ_ARGS_$*) \
	    $$([ -f tests/fuzz/$*.dict ] && echo -dict=tests/fuzz/$*.dict) \
	    $(FUZZ_CORPUS_OUT)/$* tests/fuzz/corpus/$* 2>$(BUILD)/artifacts/$*/fuzz.log \
	  || { tail -n 60 $(BUILD)/artifacts/$*/fuzz.log; \
	       echo "== fuzz $*: FAILED; the input is in $(BUILD)/artifacts/$*/"; exit 1; }
	@echo "== fuzz $*: at most $(FUZZ_TIME) s, $$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    $(BUILD)/artifacts/$*/fuzz.log) inputs, no finding"

# Regenerates the binary seed corpora (a database file, a log) with the plain build.
fuzz-seeds: $(BUILD)/fuzz-mkseed
	$(BUILD)/fuzz-mkseed tests/fuzz/corpus

# Static analysis over the library and the shell: cppcheck (any finding fails), then
# clang-tidy with the checks of .clang-tidy (why each disabled check is off is written there):
# any finding not in tests/lint/tidy-baseline.txt (reviewed false positives and known open
# findings, each with its verdict in tests/README.md) fails. clang-tidy runs per file and
# keeps its findings in build/lint/, so only changed files (or all, after a header or
# .clang-tidy changes) are analysed again.
LINT_DIRS   := pager lockmgr wal engine shell
LINT_SRCS   := $(foreach d,$(LINT_DIRS),$(wildcard $(d)/*.c))
LINT_STAMPS := $(LINT_SRCS:%.c=build/lint/%.tidy)
LINT_CFLAGS := -std=c11 -D_GNU_SOURCE -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)

lint: deps
	+@$(MAKE) --no-print-directory -j2 lint-cppcheck lint-tidy lint-citations

lint-cppcheck: $(API_INC)/acidb.h
	@cppcheck --std=c11 --enable=warning,portability --inline-suppr --error-exitcode=1 -q \
	  -D_GNU_SOURCE -I. -I$(API_INC) --suppress=missingIncludeSystem \
	  --template='{file}:{line}: {severity}: {message} [{id}]' $(LINT_DIRS)
	@echo "== lint: cppcheck clean"

lint-tidy: $(LINT_STAMPS)
	@tests/lint/tidy-gate.sh tests/lint/tidy-baseline.txt $(LINT_STAMPS)
	@echo "== lint: clang-tidy: nothing new ($(words $(LINT_SRCS)) files; known: tests/lint/tidy-baseline.txt)"

# Every README citation names a heading or rule of the README it cites, and no comment or
# document refers to a bug list outside the repository (tests/README.md, "Static analysis").
lint-citations:
	@sh tests/lint/citations.sh

# The shell is analysed as it is built: against the public header alone.
SHELL_LINT_STAMPS := $(filter build/lint/shell/%,$(LINT_STAMPS))
$(SHELL_LINT_STAMPS): LINT_CFLAGS := $(filter-out -I.,$(LINT_CFLAGS)) -I$(API_INC)
$(SHELL_LINT_STAMPS): $(API_INC)/acidb.h

# One file's findings as "path:line:col: check" lines (the gate decides).
build/lint/%.tidy: %.c .clang-tidy $(wildcard $(LINT_DIRS:%=%/*.h))
	@mkdir -p $(dir $@)
	@clang-tidy --quiet $< -- $(LINT_CFLAGS) >$@.log 2>&1; \
	  sed -nE -e 's|^$(CURDIR)/||' -e 's|^\./||' \
	    -e 's/^([^ :]+:[0-9]+:[0-9]+): (warning|error): .*\[([A-Za-z0-9.-]+)[],].*/\1: \3/p' \
	    $@.log >$@.tmp && mv $@.tmp $@

# bank_bench (bench/README.md) writes BENCH_STEM.md and BENCH_STEM-*.dat; bench/plots.gp turns
# the .dat files into PNGs beside it. `make bench` then runs the other bench programs.
BENCH_STEM  = bench/results/$(shell date +%F)-$(shell hostname -s)
BENCH_OTHER = $(filter-out $(BUILD)/bench/bank_bench,$(BENCH_BINS))

bench: deps
	@$(MAKE) --no-print-directory -j2 $(BENCH_BINS) $(SHELL_BIN)
	@mkdir -p bench/results
	$(BUILD)/bench/bank_bench -f -o $(BENCH_STEM)
	@gnuplot -e "stem='$(BENCH_STEM)'" bench/plots.gp && echo "== plots: $(BENCH_STEM)-*.png"
	@for b in $(BENCH_OTHER); do echo "== $$b"; $$b || exit 1; done

bench-quick: deps
	@$(MAKE) --no-print-directory -j2 $(BUILD)/bench/bank_bench $(SHELL_BIN)
	@mkdir -p bench/results
	$(BUILD)/bench/bank_bench -q -o $(BENCH_STEM)-quick
	@gnuplot -e "stem='$(BENCH_STEM)-quick'" bench/plots.gp && echo "== plots: $(BENCH_STEM)-quick-*.png"

clean:
	rm -rf build

# --- install -------------------------------------------------------------------------------------
# `make install [PREFIX=/usr/local] [DESTDIR=]`, `make uninstall`. bin/acidb is the shell linked
# against the static libacidb.a (no rpath, no ldconfig, unaffected by another libacidb.so on the
# system); the shared library, its soname and dev links, the static library, acidb.h, acidb.pc and
# the man pages acidb(1) and acidb(3) go beside it. tests/install/run.sh checks it all.
PREFIX  ?= /usr/local
DESTDIR ?=
INSTALL_FILES := bin/acidb lib/libacidb.so.$(ACIDB_VER) lib/libacidb.so.$(ACIDB_MAJOR) \
                 lib/libacidb.so lib/libacidb.a include/acidb.h lib/pkgconfig/acidb.pc \
                 share/man/man1/acidb.1 share/man/man3/acidb.3
.PHONY: install uninstall test-install

# acidb.pc is written at install time: its prefix is the PREFIX of that `make install`.
PC_LINES = 'prefix=$(PREFIX)' 'exec_prefix=$${prefix}' 'libdir=$${exec_prefix}/lib' \
           'includedir=$${prefix}/include' '' 'Name: acidb' \
           'Description: embedded single-file transactional SQL engine' 'Version: $(ACIDB_VER)' \
           'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lacidb' \
           'Libs.private: -lxxhash -lgmp -pthread -lm'

install: $(SHIP_LIBS) $(SHELL_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 755 $(SHELL_BIN) $(DESTDIR)$(PREFIX)/bin/acidb
	install -m 755 $(SHIP_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libacidb.so.$(ACIDB_VER) $(DESTDIR)$(PREFIX)/lib/libacidb.so.$(ACIDB_MAJOR)
	ln -sf libacidb.so.$(ACIDB_MAJOR) $(DESTDIR)$(PREFIX)/lib/libacidb.so
	install -m 644 $(SHIP_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 engine/acidb.h $(DESTDIR)$(PREFIX)/include/
	printf '%s\n' $(PC_LINES) >$(DESTDIR)$(PREFIX)/lib/pkgconfig/acidb.pc
	install -m 644 man/acidb.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/acidb.3 $(DESTDIR)$(PREFIX)/share/man/man3/

uninstall:
	rm -f $(INSTALL_FILES:%=$(DESTDIR)$(PREFIX)/%)

# The symbol checks, a host program with its own bt_get/txn_begin/... against both shipped
# libraries, install into a temporary DESTDIR, examples/bank.c built with pkg-config (shared and
# static) and run, uninstall leaving no file (tests/install/run.sh).
test-install: $(SHIP_LIBS) $(LIB) $(SHELL_BIN) $(API_INC)/acidb.h
	@sh tests/install/run.sh "$(BUILD)" "$(CC)" "$(MAKE)"

# --- rules -----------------------------------------------------------------------------------

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# Per-suite link flags. faults: the allocation interposer of tests/faults/nomem_test.c wraps
# every allocation call the library makes, so that the N-th can be made to fail.
SUITE_LDFLAGS_faults := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup \
                        -Wl,--wrap=strndup,--wrap=posix_memalign,--wrap=aligned_alloc
# numeric: tests/numeric/nomem_test.c fails the N-th malloc/realloc of every NUMERIC operation.
SUITE_LDFLAGS_numeric := -Wl,--wrap=malloc,--wrap=realloc

# The objects of suite $(1): tests/$(1)/*.c compiled under $(BUILD)/obj (dependency-tracked).
test_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/$(1)/*.c))

.SECONDEXPANSION:
$(BUILD)/tests/%: $$(call test_objs,$$*) $(COMMON_OBJS) $(LIB) \
                  $(if $(CRITERION_SHIM),$(BUILD)/obj/tests/shim/runner.o)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(filter-out %/runner.o,$^) -o $@ $(SUITE_LDFLAGS_$*) $(TESTLIBS) $(LDLIBS)

# Objects are never intermediate files to be deleted after a link.
.SECONDARY:

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ -o $@ $(BENCHLIBS) $(LDLIBS)

# bank_bench's PostgreSQL peer (bench/bank_pg.h) is compiled in when libpq is present; libpq is
# linked into this one program only.
PQ_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null && echo -DHAVE_LIBPQ)
PQ_LIBS   := $(shell pkg-config --libs libpq 2>/dev/null)
$(BUILD)/obj/bench/bank_bench.o: CFLAGS += $(PQ_CFLAGS)
$(BUILD)/bench/bank_bench: BENCHLIBS += $(PQ_LIBS)

$(CRASH_BIN): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/crash/*.c)) $(COMMON_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(SOAK_BIN): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/soak/*.c)) $(COMMON_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# A fuzz target: tests/fuzz/<target>.c + the shared helpers (fuzz_util, the fixture library),
# linked with libFuzzer's main.
# The csv target also takes the shell's CSV reader.
$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/fuzz_util.o \
                 $(BUILD)/obj/tests/common/fixture.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)
$(BUILD)/fuzz/csv: $(BUILD)/obj/shell/csv.o
$(BUILD)/fuzz-mkseed: $(BUILD)/obj/tests/fuzz/mkseed.o $(BUILD)/obj/tests/fuzz/fuzz_util.o \
                      $(BUILD)/obj/tests/common/fixture.o $(LIB)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# The shell's scenario suite runs the shell binary of the same build variant (order-only:
# the binary is run, not linked).
$(BUILD)/tests/shell: | $(SHELL_BIN)

$(API_INC)/acidb.h: engine/acidb.h
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/obj/shell/%.o: shell/%.c $(API_INC)/acidb.h
	@mkdir -p $(dir $@)
	$(CC) $(API_CFLAGS) -MMD -MP -c $< -o $@

$(API_BENCH_OBJS): $(BUILD)/obj/bench/%.o: bench/%.c $(API_INC)/acidb.h
	@mkdir -p $(dir $@)
	$(CC) $(API_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/acidb: $(SHELL_SRCS:%.c=$(BUILD)/obj/%.o) $(SHIP_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ -o $@ $(shell pkg-config --libs readline 2>/dev/null) $(LDLIBS)

-include $(LIB_OBJS:.o=.d) $(wildcard $(BUILD)/obj/tests/*/*.d) $(wildcard $(BUILD)/obj/bench/*.d) \
         $(wildcard $(BUILD)/obj/shell/*.d) \
         $(wildcard $(BUILD)/obj/tests/fuzz/*.d)
