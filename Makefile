# SPDX-License-Identifier: Apache-2.0
# scorch: one non-recursive Makefile; outputs under $(BUILD)/ mirroring the source tree.
#
#   make            build build/scorch
#   make test       install missing deps, build, run every test (unit, golden, ASan+UBSan, live, browser, fuzz smoke)
#   make demo       install missing deps, build, profile a bundled workload into SVGs
#   make unit | golden | asan | test-live | test-browser | fuzz | check-headers | clean
#   V=1 shows commands; CI=true adds -Werror; SAN=1 builds with ASan+UBSan (used by `make asan`).

.DELETE_ON_ERROR:
.SUFFIXES:

BUILD   ?= build
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
SHARED  ?= $(abspath ../shared)
export SCORCH_FIXTURES ?= $(SHARED)/fixtures

PKGS    := libbpf libelf libdw zlib libzstd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lelf -ldw -lz -lzstd)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

WARN    := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2 -Wno-format-nonliteral
ifeq ($(CI),true)
WARN    += -Werror
endif
ifeq ($(SAN),1)
OPT     := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDSAN   := -fsanitize=address,undefined
else
OPT     := -O2
endif
CFLAGS  ?=
CFLAGS  += -std=gnu11 -g $(OPT) $(WARN) -D_GNU_SOURCE -MMD -MP -I. -I$(BUILD) -I$(BUILD)/sampler $(PKG_CFLAGS)
LDFLAGS += $(LDSAN)
LIBS    := $(PKG_LIBS) -lpthread -lm

ifneq ($(V),1)
Q = @
QUIET_CC = @echo '   CC    ' $@;
QUIET_AR = @echo '   AR    ' $@;
QUIET_LD = @echo '   LD    ' $@;
QUIET_BPF = @echo '   BPF   ' $@;
QUIET_GEN = @echo '   GEN   ' $@;
endif

# Modules, lowest first. A module's archive may use only archives to its right in MODS_BELOW_<m>.
MODULES := lib fold render symbolize sampler probes
DEPS_lib       := lib
DEPS_fold      := fold lib
DEPS_render    := render fold lib
DEPS_symbolize := symbolize fold lib
DEPS_sampler   := sampler symbolize fold lib
DEPS_probes    := probes symbolize fold lib

src_of = $(filter-out %.bpf.c,$(wildcard $(1)/*.c))
obj_of = $(patsubst %.c,$(BUILD)/%.o,$(call src_of,$(1)))
archive = $(BUILD)/lib$(1).a
archives_for = $(foreach d,$(DEPS_$(1)),$(call archive,$(d)))

CLI_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/*.c))
ALL_ARCHIVES := $(call archives_for,probes) $(call archive,sampler) $(call archive,render)
# Link order: higher modules first so their references resolve in the ones below.
LINK_ARCHIVES := $(foreach m,probes sampler render symbolize fold lib,$(call archive,$(m)))

# BPF programs: sampler/NAME.bpf.c -> NAME.bpf.o -> NAME.skel.h (included only by its loader).
BPF_SRCS := $(wildcard sampler/*.bpf.c probes/*.bpf.c)
BPF_OBJS := $(patsubst %.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst %.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
VMLINUX  := $(BUILD)/vmlinux.h

SCORCH := $(BUILD)/scorch

all: $(SCORCH)

$(SCORCH): $(CLI_OBJS) $(foreach m,$(MODULES),$(call archive,$(m)))
	$(QUIET_LD)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LINK_ARCHIVES) $(LIBS)

define module_rules
$(call archive,$(1)): $(call obj_of,$(1))
	$$(QUIET_AR)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_rules,$(m))))

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(CFLAGS) -c -o $@ $<

# Every C object may include a skeleton; generating them first is cheap and keeps clean builds right.
$(foreach m,$(MODULES) cli,$(call obj_of,$(m))) $(CLI_OBJS): | $(SKELS)

$(VMLINUX):
	@mkdir -p $(@D)
	$(QUIET_GEN)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BUILD)/%.bpf.o: %.bpf.c $(VMLINUX)
	@mkdir -p $(@D)
	$(QUIET_BPF)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -MMD -MP -I. -I$(BUILD) -I$(<D) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(QUIET_GEN)$(BPFTOOL) gen skeleton $< > $@

# ---- unit tests: tests/<module>/NAME_test.c, one cmocka executable each --------------------------
define test_rules
$(BUILD)/tests/$(1)/%_test: tests/$(1)/%_test.c $(call archives_for,$(1))
	@mkdir -p $$(@D)
	$$(QUIET_LD)$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$< $(call archives_for,$(1)) $$(CMOCKA_LIBS) $$(LIBS)
endef
$(foreach m,$(MODULES),$(eval $(call test_rules,$(m))))

UNIT_SRCS  := $(foreach m,$(MODULES),$(wildcard tests/$(m)/*_test.c))
UNIT_TESTS := $(patsubst %.c,$(BUILD)/%,$(UNIT_SRCS))
LIVE_SRCS  := $(wildcard tests/live/*_test.c)
LIVE_TESTS := $(patsubst %.c,$(BUILD)/%,$(LIVE_SRCS))

$(BUILD)/tests/live/%_test: tests/live/%_test.c $(ALL_ARCHIVES)
	@mkdir -p $(@D)
	$(QUIET_LD)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LINK_ARCHIVES) $(CMOCKA_LIBS) $(LIBS)

unit-build: $(UNIT_TESTS)
unit: unit-build
	$(Q)BUILD=$(BUILD) scripts/run-tests.sh unit $(UNIT_TESTS)

golden: $(SCORCH)
	$(Q)BUILD=$(BUILD) SCORCH=$(abspath $(SCORCH)) scripts/run-tests.sh golden $(sort $(wildcard tests/golden/*.sh))

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-san SAN=1 unit golden

test-live: $(SCORCH) $(LIVE_TESTS)
	$(Q)BUILD=$(BUILD) SCORCH=$(abspath $(SCORCH)) scripts/run-tests.sh live $(LIVE_TESTS) $(sort $(wildcard tests/live/*.sh))

test-valgrind: $(SCORCH)
	$(Q)BUILD=$(BUILD) SCORCH=$(abspath $(SCORCH)) scripts/run-tests.sh valgrind $(sort $(wildcard tests/valgrind/*.sh))

test-browser: $(SCORCH)
	$(Q)BUILD=$(BUILD) SCORCH=$(abspath $(SCORCH)) scripts/run-tests.sh browser $(sort $(wildcard tests/browser/*.sh))

# ---- fuzz targets: tests/fuzz/NAME_fuzz.c with clang's libFuzzer --------------------------------
FUZZ_SRCS := $(wildcard tests/fuzz/*_fuzz.c)
FUZZ_SECONDS ?= 30
fuzz:
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_SRCS)

# ---- every public header compiles on its own -----------------------------------------------------
HEADERS := $(filter-out %/internal.h,$(foreach m,$(MODULES) cli,$(wildcard $(m)/*.h)))
check-headers: $(SKELS)
	$(Q)for h in $(HEADERS); do \
		printf '#include "%s"\n' "$$h" | $(CC) $(filter-out -MMD -MP,$(CFLAGS)) -Werror -fsyntax-only -x c - || { echo "header $$h does not compile alone"; exit 1; }; \
	done; echo "check-headers: $(words $(HEADERS)) headers compile alone"

deps:
	$(Q)scripts/install-deps.sh

test:
	$(Q)scripts/install-deps.sh
	$(Q)$(MAKE) --no-print-directory all check-headers
	$(Q)scripts/test-all.sh

demo:
	$(Q)scripts/install-deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh $(SCORCH)

bench:
	$(Q)for s in $(filter-out scripts/bench-fold-render.sh,$(wildcard scripts/bench-*.sh)); do echo "== $$s"; $$s || exit 1; done

install: $(SCORCH)
	install -D -m 0755 $(SCORCH) $(DESTDIR)$(or $(PREFIX),/usr/local)/bin/scorch

clean:
	rm -rf build build-san build-fuzz demo*.svg

.PHONY: all unit unit-build golden asan test-live test-valgrind test-browser fuzz check-headers deps test demo bench install clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
