# ksmscope - watch Kernel Samepage Merging (KSM) at work.
#
#   make deps      install the Debian 12 packages the project needs
#   make all       build the user-space programs
#   make run       build and start ksmtop on the running kernel (not yet)
#   make test      unit, live (running kernel) and VM tests; TAP + summary
#   make kernel    build the patched 6.1 kernel (cached, see kernel/build.sh)
#   make vmtest    boot the patched kernel in QEMU and test it
#   make check-series  build the series patch by patch (each must build)
#   make clean     remove build/ (the kernel cache stays in $(KSMSCOPE_CACHE))

BUILD          ?= build
KSMSCOPE_CACHE ?= /var/cache/ksmscope
KERNEL_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
KERNEL_SERIES  ?= kernel/patches
KERNEL_CONFIG  ?= kernel/ksmscope.config
EXTRA_PATCHES  ?=
export BUILD KSMSCOPE_CACHE KERNEL_TARBALL KERNEL_SERIES KERNEL_CONFIG EXTRA_PATCHES

CC      ?= gcc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Itools/lib

# Debian 12 packages: kernel build, QEMU guest, BPF toolchain, tests.
DEB_PACKAGES := build-essential bc bison flex libelf-dev libssl-dev dwarves \
	cpio gzip xz-utils file rsync python3 linux-source-6.1 \
	qemu-system-x86 busybox-static libnuma-dev \
	clang llvm libbpf-dev bpftool pkg-config libncurses-dev tmux

LIB_SRCS := tools/lib/ksm_sysfs.c

.PHONY: all deps run test kernel vmtest check-series clean

WORKLOAD_DEPS := selftests/workloads/ksmwl.c $(LIB_SRCS) tools/lib/ksm_sysfs.h

all: $(BUILD)/ksmwl $(BUILD)/ksmwl.static

$(BUILD)/ksmwl: $(WORKLOAD_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -o $@ selftests/workloads/ksmwl.c $(LIB_SRCS)

# static, for the busybox guest of the VM tests
$(BUILD)/ksmwl.static: $(WORKLOAD_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -static -o $@ selftests/workloads/ksmwl.c $(LIB_SRCS)

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

run: all
	@echo "ksmtop is not written yet (issue 3); 'make test' runs what exists."

kernel: deps
	kernel/build.sh

vmtest: deps all
	@selftests/run.sh vm

test: deps all
	@selftests/run.sh unit live vm

check-series: deps
	kernel/check-series.sh

clean:
	rm -rf $(BUILD)
