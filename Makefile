# mintline - one Makefile, pkg-config for every library.
#
#   make            build build/mintline
#   make test       install missing Debian packages, build, run every test
#   make demo       install, build, run the AsiaFlex morning routine on a demo ledger
#   make bench      run the benchmarks and print one table
#   make tidy       style checks (banned calls, engine purity)
#   make sim        the fault-injection simulator on SEEDS more seeds
#   make fuzz       build the libFuzzer harnesses (clang), run each for FUZZ_RUNS inputs

CC      ?= cc
PKGS    := libsodium libmicrohttpd jansson yajl sqlite3 yaml-0.1 libcurl libcrypto libpq
CFLAGS_STRICT := -std=gnu11 -Wall -Wextra -Wpedantic -Wshadow -Wconversion \
	-Wstrict-prototypes -Wmissing-prototypes -Wswitch-enum -Wvla -Werror
OPT     ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  += $(CFLAGS_STRICT) $(OPT) $(PKG_CFLAGS) -D_GNU_SOURCE
LDLIBS  += $(PKG_LIBS) -lpthread -lm

SRC_LIB := $(wildcard src/base/*.c src/engine/*.c src/store/*.c src/node/*.c src/ops/*.c src/cli/*.c)
SRC_MAIN := src/main.c
UNIT_SRC := $(wildcard tests/unit/test_*.c)
SUPPORT_SRC := $(wildcard tests/support/*.c)
BENCH_SRC := $(wildcard bench/*.c)

# Two builds: release (build/) and sanitized (build/asan/).
B := build
A := build/asan
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

OBJ_LIB  := $(SRC_LIB:%.c=$(B)/obj/%.o)
AOBJ_LIB := $(SRC_LIB:%.c=$(A)/obj/%.o)

.PHONY: all deps deps-build test demo bench tidy clean unit-bins sim fuzz fuzz-bins fuzz-corpus man
all: $(B)/mintline

deps:
	@./scripts/deps.sh test

deps-build:
	@./scripts/deps.sh build

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(A)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(CC) $(CFLAGS) $(SAN) -MMD -MP -c $< -o $@

$(B)/libmintline.a: $(OBJ_LIB)
	@rm -f $@
	@ar rcs $@ $^

$(A)/libmintline.a: $(AOBJ_LIB)
	@rm -f $@
	@ar rcs $@ $^

$(B)/mintline: $(B)/obj/src/main.o $(B)/libmintline.a
	@echo "  LINK $@"; $(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(A)/mintline: $(A)/obj/src/main.o $(A)/libmintline.a
	@echo "  LINK $@"; $(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

# Unit tests: one cmocka binary per tests/unit/test_*.c, sanitized and not.
UNIT_BINS  := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
AUNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(A)/tests/%)
SUPPORT_OBJ  := $(SUPPORT_SRC:%.c=$(B)/obj/%.o)
ASUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(A)/obj/%.o)

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(SUPPORT_OBJ) $(B)/libmintline.a
	@mkdir -p $(dir $@)
	@echo "  LINK $@"; $(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(A)/tests/%: $(A)/obj/tests/unit/%.o $(ASUPPORT_OBJ) $(A)/libmintline.a
	@mkdir -p $(dir $@)
	@echo "  LINK $@"; $(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS) -lcmocka

# Test tools: programs the integration tests drive (tests/tools/*.c), e.g.
# deliver_drive, the alert receivers' module without a node.
TOOL_SRC   := $(wildcard tests/tools/*.c)
TOOL_BINS  := $(TOOL_SRC:tests/tools/%.c=$(B)/testtools/%)
ATOOL_BINS := $(TOOL_SRC:tests/tools/%.c=$(A)/testtools/%)

$(B)/testtools/%: $(B)/obj/tests/tools/%.o $(B)/libmintline.a
	@mkdir -p $(dir $@)
	@echo "  LINK $@"; $(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(A)/testtools/%: $(A)/obj/tests/tools/%.o $(A)/libmintline.a
	@mkdir -p $(dir $@)
	@echo "  LINK $@"; $(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

BENCH_BINS := $(BENCH_SRC:bench/%.c=$(B)/bench/%)
$(B)/bench/%: $(B)/obj/bench/%.o $(B)/libmintline.a
	@mkdir -p $(dir $@)
	@echo "  LINK $@"; $(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The fault-injection simulator (tests/sim, docs/SIMULATION.md): the node's
# sequencer, engine, recovery and SQLite store over an in-memory VFS that
# fails, tears and loses writes. `make test` runs a few seeds (tests/run.sh);
# `make sim SEEDS=N SIM_STEPS=M` runs N more, from a seed it prints.
SIM_SRC  := $(wildcard tests/sim/*.c)
SIM_OBJ  := $(SIM_SRC:%.c=$(B)/obj/%.o)
ASIM_OBJ := $(SIM_SRC:%.c=$(A)/obj/%.o)
SEEDS ?= 20
SIM_STEPS ?= 1000

$(B)/tests/sim: $(SIM_OBJ) $(B)/libmintline.a
	@mkdir -p $(dir $@)
	@echo "  LINK $@"; $(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(A)/tests/sim: $(ASIM_OBJ) $(A)/libmintline.a
	@mkdir -p $(dir $@)
	@echo "  LINK $@"; $(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

sim: deps
	@$(MAKE) --no-print-directory -j2 $(B)/tests/sim
	@$(B)/tests/sim --seeds $(SEEDS) --steps $(SIM_STEPS)

unit-bins: $(UNIT_BINS) $(AUNIT_BINS) $(B)/mintline $(A)/mintline $(BENCH_BINS) $(B)/tests/sim $(A)/tests/sim \
	$(TOOL_BINS) $(ATOOL_BINS)

test: deps
	@$(MAKE) --no-print-directory -j2 unit-bins fuzz-bins
	@./tests/run.sh

demo: deps-build
	@$(MAKE) --no-print-directory -j2 $(B)/mintline
	@./scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory -j2 $(B)/mintline $(BENCH_BINS)
	@./bench/run.sh

tidy:
	@./scripts/tidy.sh

# Fuzzing: libFuzzer harnesses (tests/fuzz/fuzz_*.c), a third object tree
# built with clang, coverage-instrumented and under ASan/UBSan (docs/FUZZING.md).
FUZZ_CC    ?= clang
FUZZ_RUNS  ?= 200000
FUZZ_MAX_S ?= 45
FUZZ_NAMES ?=
FUZZ_SAN  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_CFLAGS := $(CFLAGS_STRICT) -O1 -g $(PKG_CFLAGS) -D_GNU_SOURCE $(FUZZ_SAN)
F := build/fuzz
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRC:tests/fuzz/%.c=$(F)/%)
FOBJ_LIB  := $(SRC_LIB:%.c=$(F)/obj/%.o)

$(F)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(F)/libmintline.a: $(FOBJ_LIB)
	@rm -f $@
	@ar rcs $@ $^

$(F)/fuzz_%: $(F)/obj/tests/fuzz/fuzz_%.o $(F)/obj/tests/fuzz/fuzz.o $(F)/libmintline.a
	@echo "  LINK $@"; $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz-bins: $(FUZZ_BINS)
.SECONDARY: $(F)/obj/tests/fuzz/fuzz.o $(FUZZ_SRC:%.c=$(F)/obj/%.o)

fuzz: deps
	@$(MAKE) --no-print-directory -j2 fuzz-bins
	@FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_MAX_S=$(FUZZ_MAX_S) ./tests/fuzz/run.sh $(FUZZ_NAMES)

# The seed corpora's generated files (snapshots, journal records), rebuilt
# from the shared fuzz state with the release library; commit the result.
$(B)/tools/gen_corpus: tests/fuzz/gen_corpus.c tests/fuzz/fuzz.c tests/fuzz/fuzz.h $(B)/libmintline.a
	@mkdir -p $(dir $@)
	@echo "  LINK $@"; $(CC) $(CFLAGS) -o $@ tests/fuzz/gen_corpus.c tests/fuzz/fuzz.c $(B)/libmintline.a $(LDLIBS)

fuzz-corpus: $(B)/tools/gen_corpus
	@$(B)/tools/gen_corpus tests/fuzz/corpus

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

# The man page, generated from the command table (`mintline man`): man -l build/mintline.1
man: $(B)/mintline.1

$(B)/mintline.1: $(B)/mintline
	@echo "  MAN  $@"; ./$(B)/mintline man > $@.tmp && mv $@.tmp $@

# The web console (web/) is compiled into console.o with .incbin: rebuild it when a file changes.
CONSOLE_WEB := $(wildcard web/*)
$(B)/obj/src/node/console.o $(A)/obj/src/node/console.o $(F)/obj/src/node/console.o: $(CONSOLE_WEB)
