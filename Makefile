# ksmscope - watch Kernel Samepage Merging (KSM) at work.
#
#   make deps      install the Debian 12 packages the project needs
#   make all       build the user-space programs
#   make run       build and start ksmtop on the running kernel, with a demo workload
#   make test      unit, live (running kernel) and VM tests; TAP + summary
#   make kernel    build the patched 6.1 kernel (cached, see kernel/build.sh)
#   make vmtest    boot the patched kernel in QEMU and test it
#   make vmcheck EXTRA_PATCHES="a.patch ..."  check KSM's invariants on that kernel
#   make check-series  build the series patch by patch (each must build)
#   make bench     ksmscope's cost next to bpftrace, BCC and nothing (+ VM kernel cost)
#   make bench-against REF=<commit>  this build's cost per event next to REF's
#   make install   ksmtop, ksmtrace and their man pages (PREFIX, DESTDIR)
#   make deb       the Debian package (tools, man pages, exporter service) in $(BUILD)/deb
#   make uninstall remove what install put there
#   make clean     remove build/ (the kernel cache stays in $(KSMSCOPE_CACHE))

BUILD          ?= build
PREFIX         ?= /usr/local
DESTDIR        ?=
SBINDIR        := $(PREFIX)/sbin
MAN8DIR        := $(PREFIX)/share/man/man8
TOOLS          := $(BUILD)/ksmtop $(BUILD)/ksmtrace
MAN8           := docs/man/ksmtop.8 docs/man/ksmtrace.8
KSMSCOPE_CACHE ?= /var/cache/ksmscope
KERNEL_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
KERNEL_SERIES  ?= kernel/patches
KERNEL_CONFIG  ?= kernel/ksmscope.config
EXTRA_PATCHES  ?=
export BUILD KSMSCOPE_CACHE KERNEL_TARBALL KERNEL_SERIES KERNEL_CONFIG EXTRA_PATCHES

CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
CFLAGS  ?= -O2 -g
override CFLAGS += -std=c11 -Wall -Wextra -Werror -Itools/lib
# the tools: POSIX + GNU (getopt_long, sigaction), BPF headers, skeleton
TOOL_CFLAGS = $(CFLAGS) -D_GNU_SOURCE -Ibpf -I$(BUILD)/bpf -Itools/ksmtop
TOOL_LIBS   = -lbpf -lelf -lz

# Debian 12 packages: kernel build, QEMU guest, BPF toolchain, tests.
DEB_PACKAGES := build-essential bc bison flex libelf-dev libssl-dev dwarves \
	cpio gzip xz-utils file rsync python3 linux-source-6.1 \
	qemu-system-x86 busybox-static libnuma-dev \
	clang llvm libbpf-dev bpftool pkg-config libncurses-dev zlib1g-dev tmux \
	bpftrace bpfcc-tools python3-bpfcc linux-headers-amd64 \
	prometheus debhelper lintian

TOOLLIB_SRCS := tools/lib/ksm_sysfs.c tools/lib/ksm_evdesc.c tools/lib/ksm_fmt.c \
	tools/lib/ksm_proc.c tools/lib/ksm_bpf.c tools/lib/ksm_probes.c \
	tools/lib/ksm_check.c tools/lib/ksm_pcheck.c tools/lib/ksm_why.c \
	tools/lib/ksm_whyev.c tools/lib/ksm_ksmd.c tools/lib/ksm_group.c
# the exporter's HTTP and text format (tools/lib), only ksmtop links them
EXPORT_SRCS := tools/lib/ksm_http.c tools/lib/ksm_prom.c
KSMTOP_SRCS := tools/ksmtop/ksmtop.c tools/ksmtop/options.c \
	tools/ksmtop/sample.c tools/ksmtop/model.c tools/ksmtop/lines.c \
	tools/ksmtop/screen.c tools/ksmtop/textout.c \
	tools/ksmtop/exporter.c $(EXPORT_SRCS) $(TOOLLIB_SRCS)
KSMTRACE_SRCS := tools/ksmtrace/ksmtrace.c tools/ksmtrace/output.c $(TOOLLIB_SRCS)
KSMWL_SRCS := selftests/workloads/ksmwl.c tools/lib/ksm_sysfs.c
# unit tests: no root, no kernel, no BPF
UNIT_SRCS := selftests/unit/unit_tests.c tools/ksmtop/options.c \
	tools/ksmtop/model.c tools/lib/ksm_evdesc.c tools/lib/ksm_fmt.c \
	tools/lib/ksm_proc.c tools/lib/ksm_sysfs.c tools/lib/ksm_why.c \
	tools/lib/ksm_ksmd.c tools/lib/ksm_group.c $(EXPORT_SRCS)
# the invariant engine fed with synthetic events (root: loads BPF)
CHECK_SRCS := selftests/unit/check_tests.c $(TOOLLIB_SRCS)
SKEL := $(BUILD)/bpf/ksm.skel.h

.PHONY: all deps run test bench bench-against install uninstall deb kernel vmtest vmcheck check-series clean

# The programs, in $(BUILD): NAME from gcc, NAME.clang from clang (both
# compilers must stay warning-free), NAME.static for the busybox guest of
# the VM tests (libbpf, libelf, zlib, ncursesw are all in Debian as .a).
PROGS := ksmtop ksmtrace ksmwl
all: $(foreach p,$(PROGS),$(BUILD)/$(p) $(BUILD)/$(p).static) \
	$(BUILD)/rcu-tasks-ksmd $(BUILD)/rcu-tasks-ksmd.static $(BUILD)/unit_tests $(BUILD)/check_tests

# BPF: CO-RE object from bpf/ (no vmlinux.h of the build machine: see
# bpf/ksm_vmlinux.h), then its skeleton
$(BUILD)/bpf/ksm.bpf.o: bpf/ksm.bpf.c bpf/ksm_probes.h bpf/ksm_records.h bpf/ksm_events.def bpf/ksm_vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 \
		-I/usr/include/$(shell $(CC) -dumpmachine) -Ibpf -c $< -o $@

$(SKEL): $(BUILD)/bpf/ksm.bpf.o
	$(BPFTOOL) gen skeleton $< name ksm_skel >$@.tmp && mv $@.tmp $@

# Every object once per compiler, $(BUILD)/obj/{gcc,clang}/PATH.o, with
# its header dependencies (-MMD); the skeleton exists before any compiles.
OBJ = $(patsubst %.c,$(BUILD)/obj/$(1)/%.o,$(2))
$(BUILD)/obj/gcc/%.o: %.c | $(SKEL)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(TOOL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/clang/%.o: %.c | $(SKEL)
	@mkdir -p $(@D)
	$(CLANG) $(CPPFLAGS) $(TOOL_CFLAGS) -MMD -MP -c $< -o $@
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# $(call prog,NAME,SOURCES,LIBS): the three variants of one program
define prog
$(BUILD)/$(1): $(call OBJ,gcc,$(2))
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $(3)
$(BUILD)/$(1).clang: $(call OBJ,clang,$(2))
	$$(CLANG) $$(LDFLAGS) -o $$@ $$^ $(3)
$(BUILD)/$(1).static: $(call OBJ,gcc,$(2))
	$$(CC) -static -o $$@ $$^ $(3)
endef
$(eval $(call prog,ksmtop,$(KSMTOP_SRCS),$(TOOL_LIBS) -lncursesw -ltinfo -lm))
$(eval $(call prog,ksmtrace,$(KSMTRACE_SRCS),$(TOOL_LIBS) -lm))
$(eval $(call prog,ksmwl,$(KSMWL_SRCS),))
# the RCU Tasks reproducer: no ksmscope code, libbpf only (for its -m fentry)
$(eval $(call prog,rcu-tasks-ksmd,selftests/vm/repro/rcu-tasks-ksmd.c,$(TOOL_LIBS)))
$(eval $(call prog,unit_tests,$(UNIT_SRCS),-lm))
$(eval $(call prog,check_tests,$(CHECK_SRCS),$(TOOL_LIBS) -lm))

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "deps: all $(words $(DEB_PACKAGES)) packages installed"; exit 0; fi; \
	echo "deps: installing:" $$missing; \
	if [ "$$(id -u)" != 0 ]; then echo "deps: error: need root to install:" $$missing >&2; exit 1; fi; \
	export DEBIAN_FRONTEND=noninteractive; mkdir -p $(BUILD); \
	{ apt-get update -q && apt-get install -y -q $$missing; } >$(BUILD)/deps.log 2>&1 || { \
		tail -5 $(BUILD)/deps.log >&2; \
		echo "deps: error: apt-get could not install:" $$missing "(see $(BUILD)/deps.log)" >&2; exit 1; }; \
	rm -f $(BUILD)/deps.log; echo "deps: installed:" $$missing

run: deps all
	@tools/ksmtop/demo.sh

kernel: deps
	kernel/build.sh

vmtest: deps all
	@selftests/run.sh vm

# boot the kernel with EXTRA_PATCHES, run the mix and ksm_tests under
# ksmtrace --check; exit 0 only if every invariant held
vmcheck: deps all
	@selftests/vm/vmcheck.sh -T

test: deps all
	@selftests/run.sh runner unit live bench vm

# the peers (bpftrace, BCC) come with deps; results: $(BUILD)/bench-results.json
bench: deps all
	python3 selftests/bench/bench.py --vm

# REF is built in a temporary clone; the two builds alternate under one churn
bench-against: deps all
	@test -n "$(REF)" || { echo "bench-against: error: say which commit: REF=<commit>" >&2; exit 2; }
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	git clone -q . "$$d/src" && git -C "$$d/src" checkout -q "$(REF)" && \
	$(MAKE) -s -C "$$d/src" all BUILD=build >/dev/null && \
	python3 selftests/bench/bench.py --against "$$d/src"

install: $(TOOLS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MAN8DIR)
	install -m 0755 $(TOOLS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(MAN8) $(DESTDIR)$(MAN8DIR)/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(notdir $(TOOLS))) \
		$(addprefix $(DESTDIR)$(MAN8DIR)/,$(notdir $(MAN8)))

# the package is built from a copy of this tree (not build/, not .git):
# $(BUILD)/deb/ksmscope_VERSION_amd64.deb, then lintian must say nothing
deb: deps
	@rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	@tar -c --exclude=./$(BUILD) --exclude=./.git --exclude=./build . | tar -x -C $(BUILD)/deb/src
	@cd $(BUILD)/deb/src && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -20 ../build.log >&2; echo "deb: error: dpkg-buildpackage failed (see $(BUILD)/deb/build.log)" >&2; exit 1; }
	@lintian --fail-on error,warning --suppress-tags-from-file debian/lintian-suppressed $(BUILD)/deb/*.deb >$(BUILD)/deb/lintian.log 2>&1 || \
		{ cat $(BUILD)/deb/lintian.log >&2; echo "deb: error: lintian found problems" >&2; exit 1; }
	@ls $(BUILD)/deb/*.deb

check-series: deps
	kernel/check-series.sh

clean:
	rm -rf $(BUILD)
