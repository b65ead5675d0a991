# SPDX-License-Identifier: GPL-2.0
#
# make            build build/mptcpify (and its BPF objects and skeletons)
# make test       every test: unit (Check), host kernel (root), kernel matrix (QEMU);
#                 SUITES="host vm" runs some of them, the same way
# make demo       boot a 6.12 kernel in QEMU and show the main job
# make vmlinux    regenerate vmlinux/$(ARCH)/vmlinux.h from a kernel's BTF
# make install    install mptcpify, its unit, man pages, completion (DESTDIR, PREFIX)
# make uninstall  unload mptcpify's programs, then remove what install put there
# make deb        build/deb/mptcpify_VERSION_ARCH.deb (debhelper)
#
# make installs the Debian packages the build needs when they are missing;
# the test targets install those of the tests too.

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VERSION := 0.2.0
BUILD := build
PREFIX ?= /usr/local
DESTDIR ?=
V ?= 0
ifeq ($(V),0)
Q := @
endif

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

# Build, test and demo dependencies, by Debian package name. The build's
# are debian/control's Build-Depends (versions, architectures, profiles and
# alternatives after the first dropped), less debhelper, which only make deb
# needs, and with the compiler that Debian's build-essential implies.
# (make splits a function's arguments before it expands a variable: the
# program's parentheses and commas stay out of the way in one.) The test
# ones are no package's dependencies: a list here, with make deb's.
BUILD_DEPENDS_AWK := '/^[^ \t]/ { on = sub(/^Build-Depends(-Arch|-Indep)?:/, "") } \
	on { gsub(/\([^)]*\)|\[[^]]*\]|<[^>]*>|\|[^,]*|:[a-z]+/, ""); gsub(/,/, " "); print }'
DEB_BUILD := $(filter-out debhelper-compat,$(shell awk $(BUILD_DEPENDS_AWK) debian/control)) \
	     gcc make
# make deb's.
DEB_PACKAGING := debhelper dpkg-dev lintian
# Debian's kubectl, unless the machine has one already (another package
# owning /usr/bin/kubectl would make the install fail).
KUBECTL_PKG := $(if $(shell command -v kubectl),,kubernetes-client)
DEB_TEST := check libclang-rt-14-dev jq python3-yaml prometheus iproute2 qemu-system-x86 busybox-static valgrind kmod xz-utils \
	    zstd cpio curl mmdebstrap e2fsprogs man-db podman crun procps \
	    python3-kubernetes perl liburing-dev iperf3 $(KUBECTL_PKG) $(DEB_PACKAGING)
DEPS_STAMP := $(BUILD)/.deps
TEST_DEPS_STAMP := $(BUILD)/.test-deps
PKG_DEPS_STAMP := $(BUILD)/.pkg-deps

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wno-missing-field-initializers -Wno-format-truncation
INCLUDES := -Iinclude -I$(BUILD) -Iloader -DMPTCPIFY_VERSION='"$(VERSION)"' 
LDLIBS := -lbpf -ljansson -lyaml -lmicrohttpd -lsystemd -lmount -lmnl -lelf -lz

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Ivmlinux/$(ARCH) -Iinclude -DMPTCPIFY_VERSION='"$(VERSION)"' $(EXTRA_BPF_CFLAGS)

# One object of the programs and their maps, linked from its parts as
# libbpf-bootstrap does (bpftool gen object); the probe's trial program is
# an object of its own.
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_PARTS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(filter-out bpf/probe.bpf.c,$(BPF_SRCS)))
SKELS := $(BUILD)/mptcpify.skel.h $(BUILD)/probe.skel.h
LOADER_SRCS := $(wildcard loader/*/*.c)
LOADER_OBJS := $(patsubst loader/%.c,$(BUILD)/loader/%.o,$(LOADER_SRCS))
# Everything but main(): linked into the unit tests too.
LIB_OBJS := $(filter-out $(BUILD)/loader/cli/main.o,$(LOADER_OBJS))
HEADERS := $(wildcard include/*.h loader/*/*.h bpf/*.bpf.h)
MANPAGES := $(BUILD)/man/mptcpify.8 $(BUILD)/man/mptcpify.yaml.5

.PHONY: all deps vmlinux test demo bench install uninstall deb clean \
	format check-format prometheusrule
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/mptcpify $(MANPAGES)

# apt-get install, once, the packages of a list that are missing.
define install_missing
	$(Q)mkdir -p $(BUILD)
	$(Q)missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "  APT     "$$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	$(Q)touch $@
endef

# make needs the build dependencies only; the test ones come with the tests.
deps: $(DEPS_STAMP)
# A changed list is checked again.
$(DEPS_STAMP): Makefile debian/control
	$(call install_missing,$(DEB_BUILD))
$(TEST_DEPS_STAMP): Makefile | $(DEPS_STAMP)
	$(call install_missing,$(DEB_TEST))
$(PKG_DEPS_STAMP): Makefile | $(DEPS_STAMP)
	$(call install_missing,$(DEB_PACKAGING))

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(HEADERS) vmlinux/$(ARCH)/vmlinux.h | $(DEPS_STAMP)
	@echo "  BPF     $@"
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/mptcpify.bpf.o: $(BPF_PARTS)
	@echo "  BPFLINK $@"
	$(Q)$(BPFTOOL) gen object $@ $^

$(BUILD)/probe.bpf.o: $(BUILD)/bpf/probe.bpf.o
	$(Q)cp $< $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(BUILD)/loader/%.o: loader/%.c $(HEADERS) $(SKELS) | $(DEPS_STAMP)
	@echo "  CC      $@"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(INCLUDES) -c $< -o $@

$(BUILD)/mptcpify: $(LOADER_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

vmlinux:
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > vmlinux/$(ARCH)/vmlinux.h
	@grep -q '^struct mptcp_sock {$$' vmlinux/$(ARCH)/vmlinux.h || \
		{ echo "Error: $(VMLINUX_BTF) has no struct mptcp_sock: build it with CONFIG_MPTCP=y" >&2; exit 1; }

include tests/tests.mk

# The binary, its unit, man pages, completion and documentation; the
# configuration (one that selects nothing) only where there is none, so
# that a reinstall keeps the operator's. debian/ packages the same.
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR ?= $(PREFIX)/share/doc/mptcpify
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
install: $(BUILD)/mptcpify $(MANPAGES)
	install -D -m 0755 $(BUILD)/mptcpify $(DESTDIR)$(PREFIX)/sbin/mptcpify
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
		deploy/systemd/mptcpify.service > $(DESTDIR)$(SYSTEMDUNITDIR)/mptcpify.service
	install -m 0644 deploy/systemd/mptcpify-bpffs.service $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -D -m 0644 $(BUILD)/man/mptcpify.8 $(DESTDIR)$(MANDIR)/man8/mptcpify.8
	install -D -m 0644 $(BUILD)/man/mptcpify.yaml.5 $(DESTDIR)$(MANDIR)/man5/mptcpify.yaml.5
	install -D -m 0644 deploy/bash-completion/mptcpify $(DESTDIR)$(COMPLETIONDIR)/mptcpify
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 deploy/examples/config.yaml $(DESTDIR)$(DOCDIR)/examples/config.yaml
	[ -e $(DESTDIR)$(SYSCONFDIR)/mptcpify/config.yaml ] || \
		install -D -m 0644 deploy/config.yaml $(DESTDIR)$(SYSCONFDIR)/mptcpify/config.yaml

# What install put there, but the configuration: it is the operator's. On
# the running system (no DESTDIR), enforcement goes first, as the Debian
# package's prerm does: the service stopped and disabled (its SIGTERM
# leaves the pins, right for a restart), the drop-ins of `mptcpify enable`
# removed, then `mptcpify unload` with the binary about to go: nothing is
# left in the kernel that no binary on the system could manage. SYSTEMCTL
# and SYSTEMD_RUNNING are for tests/host/80-deploy.sh.
SYSTEMCTL ?= systemctl
SYSTEMD_RUNNING ?= $(wildcard /run/systemd/system)
uninstall:
ifeq ($(DESTDIR),)
	$(Q)if [ -n "$(SYSTEMD_RUNNING)" ] && [ -e $(SYSTEMDUNITDIR)/mptcpify.service ]; then \
		$(SYSTEMCTL) disable --now mptcpify.service || exit; fi
	$(Q)for f in $(SYSCONFDIR)/systemd/system/*.d/mptcpify.conf; do \
		[ -e "$$f" ] || continue; rm -f "$$f"; rmdir "$${f%/*}" 2>/dev/null || true; done; \
		[ -z "$(SYSTEMD_RUNNING)" ] || $(SYSTEMCTL) daemon-reload
	$(Q)[ ! -x $(PREFIX)/sbin/mptcpify ] || $(PREFIX)/sbin/mptcpify unload
endif
	rm -f $(DESTDIR)$(PREFIX)/sbin/mptcpify $(DESTDIR)$(SYSTEMDUNITDIR)/mptcpify.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/mptcpify-bpffs.service \
		$(DESTDIR)$(MANDIR)/man8/mptcpify.8 $(DESTDIR)$(MANDIR)/man5/mptcpify.yaml.5 \
		$(DESTDIR)$(COMPLETIONDIR)/mptcpify $(DESTDIR)$(DOCDIR)/README.md \
		$(DESTDIR)$(DOCDIR)/examples/config.yaml
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR)

# The alert rules as the Prometheus Operator takes them: the PrometheusRule
# of deploy/kubernetes/components/prometheus-operator is made from
# deploy/prometheus/mptcpify-rules.yaml, the one copy to edit (a changed
# rule fails tests/manifests.sh until this is run).
PROMETHEUSRULE := deploy/kubernetes/components/prometheus-operator/prometheusrule.yaml
prometheusrule: deploy/prometheus/mptcpify-rules.yaml
	$(Q){ printf '%s\n' \
		'# Made from deploy/prometheus/mptcpify-rules.yaml by make prometheusrule:' \
		'# edit that file, then run it. The runbook links get their base from' \
		'# base/kustomization.yaml (kustomization.yaml here).' \
		'apiVersion: monitoring.coreos.com/v1' 'kind: PrometheusRule' 'metadata:' \
		'  name: mptcpify' '  namespace: mptcpify' \
		'  labels: {app.kubernetes.io/name: mptcpify}' 'spec:'; \
		sed -n '/^groups:/,$$s/^./  &/p' $<; } >$(PROMETHEUSRULE)

# The man pages, from reStructuredText (rst2man, as bpftool's are).
$(BUILD)/man/%: deploy/man/%.rst | $(DEPS_STAMP)
	@echo "  MAN     $@"
	$(Q)mkdir -p $(@D)
	$(Q)rst2man --halt=warning $< $@

# A Debian package of the tree as it is (tracked files and new ones), built
# in a copy under build/deb: make deb [DEB_VERSION=...].
DEB_VERSION ?= $(VERSION)
DEB_OUT ?= $(BUILD)/deb
deb: | $(PKG_DEPS_STAMP)
	$(Q)deploy/build-deb.sh $(DEB_OUT) $(DEB_VERSION)

FORMATTED := bpf/*.c bpf/*.h loader/*/*.c loader/*/*.h include/*.h tests/unit/*.c \
	     tests/unit/*.h tests/progs/*.c tests/fuzz/*.c

format:
	clang-format -i $(FORMATTED)

check-format:
	$(Q)clang-format --dry-run -Werror $(FORMATTED) && echo "format: ok"

clean:
	rm -rf $(BUILD)
