# SPDX-License-Identifier: GPL-2.0
# Included by the top-level Makefile: every test target.

UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
ASAN_BINS := $(addprefix $(BUILD)/asan/tests/,$(UNIT_TESTS))
LIB_SRCS := $(filter-out loader/cli/main.c,$(LOADER_SRCS))
# Evaluated when used, after the deps stamp installed pkg-config and check.
CHECK_LIBS = $(shell pkg-config --libs check)
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# What the QEMU initramfs carries: the loader, a second build of it (for the
# upgrade case) and the static test programs. The loader is the dynamic build:
# the initramfs gets the libraries ldd lists (libmicrohttpd has no static
# build of its TLS dependencies).
VM_BIN := $(BUILD)/vm-bin
VM_PROGS := $(VM_BIN)/mptcpify $(VM_BIN)/mptcpify-next $(VM_BIN)/sockcheck $(VM_BIN)/mptcp_conn \
	    $(VM_BIN)/optcheck $(VM_BIN)/landlock_tcp $(VM_BIN)/mptcpify-landlock.txt \
	    $(VM_BIN)/podchurn $(VM_BIN)/mptcpify-guest-lib.sh $(VM_BIN)/mptcpify-topology.sh \
	    $(VM_BIN)/mptcpify-example.yaml $(VM_BIN)/uringsock $(VM_BIN)/sockopt_table \
	    $(patsubst %,$(VM_BIN)/mptcpify-multipath-%.txt,client server pod stats)
HOST_PROGS := $(BUILD)/tests/sockcheck $(BUILD)/tests/mptcp_conn $(BUILD)/tests/podchurn \
	      $(BUILD)/tests/optcheck $(BUILD)/tests/landlock_tcp $(BUILD)/tests/linkpin \
	      $(BUILD)/tests/sockopt_table
# veth for the test hosts, tbf and netem to shape their paths, tcp_diag for ss.
VM_MODULES := veth sch_tbf sch_netem tcp_diag
# One vCPU: under QEMU TCG with two, the kernel's own live code patching
# (static keys at boot, trampolines, JITed jumps) now and then leaves a
# stale int3 that another vCPU executes, and the guest oopses (seen on 6.12
# and 7.3, at boot too, before any test ran). VM_SMP=2 brings it back.
VM_SMP ?= 1
export VM_SMP

.PHONY: demo vm-bin bench fuzz test-build test-debs

# libFuzzer targets (clang): a bounded run in make test, a long one with
# make fuzz (FUZZ_SECONDS each).
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_OBJ_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 600

# The loader's sources compiled once per instrumentation, then linked into
# each test binary: compiling them again for each was most of make test's
# build time.
ASAN_OBJS := $(patsubst loader/%.c,$(BUILD)/asan/loader/%.o,$(LOADER_SRCS))
ASAN_LIB_OBJS := $(filter-out $(BUILD)/asan/loader/cli/main.o,$(ASAN_OBJS))
FUZZ_LIB_OBJS := $(patsubst loader/%.c,$(BUILD)/fuzz/loader/%.o,$(LIB_SRCS))

$(BUILD)/asan/loader/%.o: loader/%.c $(HEADERS) $(SKELS) | $(TEST_DEPS_STAMP)
	@echo "  CC      $@ (asan, ubsan)"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O1 -g $(SANITIZE) $(WARN) $(INCLUDES) -c $< -o $@

$(BUILD)/fuzz/loader/%.o: loader/%.c $(HEADERS) $(SKELS) | $(TEST_DEPS_STAMP)
	@echo "  CLANG   $@ (fuzzer instrumentation)"
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_OBJ_CFLAGS) $(INCLUDES) \
		-c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS) | $(TEST_DEPS_STAMP)
	@echo "  CLANG   $@ (libFuzzer)"
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(INCLUDES) $< $(FUZZ_LIB_OBJS) -o $@ $(LDLIBS)

fuzz: $(FUZZ_BINS)
	$(Q)BUILD=$(BUILD) tests/fuzz/run.sh $(FUZZ_SECONDS)

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/unit.h $(LIB_OBJS) | $(TEST_DEPS_STAMP)
	@echo "  CC      $@"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(INCLUDES) $< $(LIB_OBJS) -o $@ $(LDLIBS) $(CHECK_LIBS)

$(BUILD)/asan/tests/test_%: tests/unit/test_%.c tests/unit/unit.h $(ASAN_LIB_OBJS) | $(TEST_DEPS_STAMP)
	@echo "  CC      $@ (asan, ubsan)"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O1 -g $(SANITIZE) $(WARN) $(INCLUDES) $< $(ASAN_LIB_OBJS) -o $@ \
		$(LDLIBS) $(CHECK_LIBS)

$(BUILD)/asan/mptcpify: $(ASAN_OBJS)
	@echo "  LD      $@ (asan, ubsan)"
	$(Q)$(CC) -O1 -g $(SANITIZE) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: tests/progs/%.c | $(TEST_DEPS_STAMP)
	@echo "  CC      $@"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) $< -o $@

$(BUILD)/tests/linkpin: tests/progs/linkpin.c | $(TEST_DEPS_STAMP)
	@echo "  CC      $@"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) $< -o $@ -lbpf

$(VM_BIN)/%: tests/progs/%.c | $(TEST_DEPS_STAMP)
	@echo "  CC      $@ (static)"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -static $< -o $@

# podchurn reads the pinned policy map: libbpf.
$(BUILD)/tests/podchurn: tests/progs/podchurn.c | $(TEST_DEPS_STAMP)
	@echo "  CC      $@"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) $< -o $@ -lbpf

$(VM_BIN)/podchurn: tests/progs/podchurn.c | $(TEST_DEPS_STAMP)
	@echo "  CC      $@ (static)"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -static $< -o $@ -lbpf -lelf -lz

$(VM_BIN)/sockcheck $(VM_BIN)/uringsock $(BUILD)/tests/sockcheck: tests/progs/sockargs.h

# uringsock makes its socket with io_uring's IORING_OP_SOCKET: liburing.
$(VM_BIN)/uringsock: tests/progs/uringsock.c | $(TEST_DEPS_STAMP)
	@echo "  CC      $@ (static)"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -static $< -o $@ -luring

# The README's daemon example, as the guest loads it.
$(VM_BIN)/mptcpify-example.yaml: README.md tests/readme-config.sh
	$(Q)mkdir -p $(@D) && tests/readme-config.sh README.md > $@

# The README's "Getting multipath" blocks, which tests/vm/cases/45-multipath.sh runs.
$(VM_BIN)/mptcpify-multipath-%.txt: README.md tests/readme-config.sh
	$(Q)mkdir -p $(@D) && tests/readme-config.sh README.md multipath-$* > $@

# The README's Landlock rows, "KERNEL RESULT" each, for the guest to check.
$(VM_BIN)/mptcpify-landlock.txt: README.md
	$(Q)mkdir -p $(@D) && sed -n 's/^ *| \([0-9]*\.[0-9]*\) | denied | \([a-z]*\) |.*/\1 \2/p' $< > $@

$(VM_BIN)/mptcpify-%.sh: tests/vm/%.sh
	$(Q)mkdir -p $(@D) && cp $< $@

$(VM_BIN)/mptcpify: $(BUILD)/mptcpify
	$(Q)mkdir -p $(@D) && cp $< $@

# The "newer build" of the upgrade tests: the same tree as another release,
# whose BPF object, which carries the release, has another build id.
$(VM_BIN)/mptcpify-next: $(BPF_SRCS) $(LOADER_SRCS) $(HEADERS)
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/next VERSION=$(VERSION)+next \
		$(BUILD)/next/mptcpify
	$(Q)mkdir -p $(@D) && cp $(BUILD)/next/mptcpify $@

vm-bin: $(VM_PROGS)

# The packages the package and system suites test: the tree as it is, and
# the same tree as a "next" version for the upgrade cases (its BPF object
# carries that version: another build id). Made here, before any suite
# runs, rather than by one suite for another.
DEB_PKG_VERSION = $(shell dpkg-parsechangelog -S Version)
DEB_ARCH = $(shell dpkg --print-architecture)
DEB_INPUTS := $(wildcard $(filter-out tests/% build/%,$(shell git ls-files -c -o --exclude-standard 2>/dev/null)))
TEST_DEB = $(BUILD)/deb/mptcpify_$(DEB_PKG_VERSION)_$(DEB_ARCH).deb
TEST_DEB_NEXT = $(BUILD)/deb-next/mptcpify_$(DEB_PKG_VERSION)+next1_$(DEB_ARCH).deb
test-debs: | $(PKG_DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory $(TEST_DEB) $(TEST_DEB_NEXT)
$(BUILD)/deb/mptcpify_%.deb: $(DEB_INPUTS) | $(PKG_DEPS_STAMP)
	@echo "  DEB     $@"
	$(Q)deploy/build-deb.sh $(@D) $(DEB_PKG_VERSION) >/dev/null
$(BUILD)/deb-next/mptcpify_%.deb: $(DEB_INPUTS) | $(PKG_DEPS_STAMP)
	@echo "  DEB     $@"
	$(Q)deploy/build-deb.sh $(@D) $(DEB_PKG_VERSION)+next1 >/dev/null

# make test: everything the suites run, built with a job per core (.ci/run
# calls plain make test), then the suites (tests/run.sh), the full set or
# SUITES="host vm ...", one way either.
test-build: $(UNIT_BINS) $(ASAN_BINS) $(BUILD)/mptcpify $(BUILD)/asan/mptcpify $(HOST_PROGS) \
	    $(VM_PROGS) $(FUZZ_BINS) $(MANPAGES) test-debs | $(TEST_DEPS_STAMP)

test: | $(TEST_DEPS_STAMP) $(PKG_DEPS_STAMP)
	$(Q)start=$$(date +%s) && $(MAKE) --no-print-directory -j$(shell nproc) test-build && \
		BUILD=$(BUILD) VM_MODULES="$(VM_MODULES)" TEST_START=$$start SUITES="$(SUITES)" \
		tests/run.sh

demo: $(VM_PROGS) | $(TEST_DEPS_STAMP)
	$(Q)VM_DEMO=1 KERNELS=$${KERNELS:-6.12} VM_BINDIR=$(VM_BIN) VM_CASES=tests/vm/demo \
		VM_MODULES="$(VM_MODULES)" \
		VM_OUT=$(BUILD)/demo tests/vm/run.sh

# make bench: what enforcement costs, in a 6.12 guest (BENCH_KERNEL=7.3 for
# another) whose clock counts instructions (QEMU's icount: figures repeat
# whatever the host's load), ratios of interleaved measurements; then the
# daemon's figures natively on the host, in wall time (tests/bench/daemon.sh).
# Not part of make test.
BENCH_BIN := $(BUILD)/bench-bin
$(BENCH_BIN)/bench: tests/progs/bench.c | $(TEST_DEPS_STAMP)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) $(WARN) -static $< -o $@

$(BENCH_BIN)/bench_fill: tests/progs/bench_fill.c include/mptcpify.h | $(TEST_DEPS_STAMP)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) $(WARN) -Iinclude -static $< -o $@ -lbpf -lelf -lz

$(BENCH_BIN)/emptyhook: tests/progs/emptyhook.c | $(TEST_DEPS_STAMP)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) $(WARN) -static $< -o $@ -lbpf -lelf -lz

bench: $(VM_PROGS) $(BENCH_BIN)/bench $(BENCH_BIN)/bench_fill $(BENCH_BIN)/emptyhook \
       $(BUILD)/mptcpify | $(TEST_DEPS_STAMP)
	$(Q)cp $(VM_PROGS) $(BENCH_BIN)/
	$(Q)mkdir -p $(BUILD)/bench
	$(Q)VM_DEMO=tests/bench/guest.sh KERNELS=$${BENCH_KERNEL:-6.12} VM_BINDIR=$(BENCH_BIN) \
		VM_ACCEL=tcg VM_ICOUNT=shift=0,sleep=off \
		VM_MODULES="$(VM_MODULES)" VM_OUT=$(BUILD)/bench/vm VM_TIMEOUT=2400 CASE_TIMEOUT=2300 \
		VM_ENV="BENCH_ROUNDS=$${BENCH_ROUNDS:-7} BENCH_CLOCK=icount" tests/vm/run.sh | \
		tee $(BUILD)/bench/raw.txt
	$(Q)tests/bench/daemon.sh $(BUILD) $(BUILD)/bench tests/bench/RESULTS.md
	$(Q)tests/bench/report.sh $(BUILD)/bench/raw.txt $(BUILD)/bench tests/bench/RESULTS.md $(BUILD)/bench/daemon.txt
