# Top-level build of the hosting panel backend: libpanel, its front ends and the tests.
# `make check` builds and runs every test twice: a plain build, then AddressSanitizer + UBSan.

.DEFAULT_GOAL := all
.SUFFIXES:
SHELL := /bin/bash

PREFIX  ?= /usr/local
DESTDIR ?=
# Where `make install` puts the configuration examples (only where none exists yet), the
# systemd units and the sysusers.d file; see docs/operations.md. The daemons' defaults are
# under /etc: SYSCONFDIR is /etc for the usual prefixes, PREFIX/etc for a scratch one.
SYSCONFDIR  ?= $(if $(filter /usr /usr/local,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
# The library, its pkg-config file under LIBDIR/pkgconfig (Debian: /usr/lib/<multiarch>).
LIBDIR      ?= $(PREFIX)/lib
# auto: create the system users (panel-api, dbproxy) when installing as root without DESTDIR;
# no: never (packages do it in their postinst).
INSTALL_USERS ?= auto
SAN     ?= 0
WERROR  ?= 0
CC      ?= cc

ifeq ($(SAN),1)
BUILD ?= build/asan
else ifeq ($(SAN),thread)
BUILD ?= build/tsan
else
BUILD ?= build/release
endif

VERSION     := 0.1.0
SOVERSION   := 0
PKGS        := libmariadb libsodium inih libcrypt jansson libidn2
CLI_PKGS    := jansson
API_PKGS    := libmicrohttpd jansson
PROXY_PKGS  := libmariadb libmicrohttpd jansson libsodium
TEST_PKGS   := cmocka
# Test binaries may use libcurl as an HTTP client of panel-api.
TEST_EXTRA_LIBS = $(shell pkg-config --libs libcurl 2>/dev/null)

# Recursive (=) on purpose: pkg-config is only asked when a recipe needs it, after `make deps`.
PKG_CFLAGS   = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS     = $(shell pkg-config --libs $(PKGS)) -lresolv
CLI_CFLAGS   = $(shell pkg-config --cflags $(CLI_PKGS))
CLI_LIBS     = $(shell pkg-config --libs $(CLI_PKGS))
API_CFLAGS   = $(shell pkg-config --cflags $(API_PKGS))
API_LIBS     = $(shell pkg-config --libs $(API_PKGS))
PROXY_CFLAGS = $(shell pkg-config --cflags $(PROXY_PKGS))
PROXY_LIBS   = $(shell pkg-config --libs $(PROXY_PKGS))
TEST_CFLAGS  = $(shell pkg-config --cflags $(TEST_PKGS))
TEST_LIBS    = $(shell pkg-config --libs $(TEST_PKGS))

WARNINGS := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wundef -Wvla -Wnull-dereference
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

BASE_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -pthread $(WARNINGS)
ifeq ($(SAN),1)
BASE_CFLAGS += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
SAN_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(SAN),thread)
# ThreadSanitizer (make tsan-check): not part of make check; see docs/testing.md.
BASE_CFLAGS += -O1 -fno-omit-frame-pointer -fsanitize=thread
SAN_LDFLAGS := -fsanitize=thread
else
BASE_CFLAGS += -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong
SAN_LDFLAGS :=
endif

CFLAGS  ?=
LDFLAGS ?=
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = -pthread $(SAN_LDFLAGS) $(LDFLAGS)

OBJ := $(BUILD)/obj

# ---------------------------------------------------------------- libpanel
LIBPANEL_SRC  := $(sort $(wildcard libpanel/src/*.c libpanel/src/*/*.c))
LIBPANEL_OBJ  := $(LIBPANEL_SRC:%.c=$(OBJ)/%.o) $(OBJ)/gen/migrations.o
LIBPANEL_A    := $(BUILD)/lib/libpanel.a
LIBPANEL_SO   := $(BUILD)/lib/libpanel.so.$(SOVERSION)
LIBPANEL_PC   := $(BUILD)/lib/libpanel.pc
MIGRATIONS    := $(sort $(wildcard sql/migrations/*.sql))
LIBPANEL_CFLAGS = -Ilibpanel/include -Ilibpanel/src -fPIC -fvisibility=hidden $(PKG_CFLAGS)

$(OBJ)/libpanel/%.o: libpanel/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIBPANEL_CFLAGS) -c $< -o $@

$(BUILD)/tools/sql2c: tools/sql2c.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $< -o $@ $(ALL_LDFLAGS)

$(BUILD)/gen/migrations.c: $(BUILD)/tools/sql2c $(MIGRATIONS)
	@mkdir -p $(@D)
	$(BUILD)/tools/sql2c $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(OBJ)/gen/migrations.o: $(BUILD)/gen/migrations.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIBPANEL_CFLAGS) -c $< -o $@

$(LIBPANEL_A): $(LIBPANEL_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBPANEL_SO): $(LIBPANEL_OBJ) libpanel/libpanel.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libpanel.so.$(SOVERSION) -Wl,--version-script=libpanel/libpanel.map \
		-Wl,--no-undefined -o $@ $(LIBPANEL_OBJ) $(ALL_LDFLAGS) $(PKG_LIBS)
	ln -sf libpanel.so.$(SOVERSION) $(BUILD)/lib/libpanel.so

$(LIBPANEL_PC): libpanel/libpanel.pc.in
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		-e 's|@PKGS@|$(PKGS)|g' $< > $@

# ---------------------------------------------------------------- front ends
PANELCTL_SRC := $(sort $(wildcard panelctl/*.c))
PANELCTL_OBJ := $(PANELCTL_SRC:%.c=$(OBJ)/%.o)
PANELCTL     := $(BUILD)/bin/panelctl

$(OBJ)/panelctl/%.o: panelctl/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ilibpanel/include $(PKG_CFLAGS) $(CLI_CFLAGS) -c $< -o $@

$(PANELCTL): $(PANELCTL_OBJ) $(LIBPANEL_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $(PANELCTL_OBJ) $(LIBPANEL_A) $(ALL_LDFLAGS) $(PKG_LIBS) $(CLI_LIBS)

PANELAPI_SRC := $(sort $(wildcard panel-api/*.c panel-api/routes/*.c))
PANELAPI_OBJ := $(PANELAPI_SRC:%.c=$(OBJ)/%.o)
PANELAPI     := $(if $(PANELAPI_SRC),$(BUILD)/bin/panel-api)

$(OBJ)/panel-api/%.o: panel-api/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ilibpanel/include -Ipanel-api $(PKG_CFLAGS) $(API_CFLAGS) -c $< -o $@

$(BUILD)/bin/panel-api: $(PANELAPI_OBJ) $(LIBPANEL_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $(PANELAPI_OBJ) $(LIBPANEL_A) $(ALL_LDFLAGS) $(PKG_LIBS) $(API_LIBS)

# dbproxy stands alone: it does not link libpanel.
DBPROXY_SRC := $(sort $(wildcard dbproxy/*.c))
DBPROXY_OBJ := $(DBPROXY_SRC:%.c=$(OBJ)/%.o)
DBPROXY     := $(if $(DBPROXY_SRC),$(BUILD)/bin/dbproxy)

$(OBJ)/dbproxy/%.o: dbproxy/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Idbproxy $(PROXY_CFLAGS) -c $< -o $@

$(BUILD)/bin/dbproxy: $(DBPROXY_OBJ)
	@mkdir -p $(@D)
	$(CC) -o $@ $(DBPROXY_OBJ) $(ALL_LDFLAGS) $(PROXY_LIBS)

# ---------------------------------------------------------------- tests
HARNESS_SRC  := $(filter-out tests/harness/test_%.c tests/support/test_%.c,\
	$(wildcard tests/harness/*.c tests/support/*.c))
HARNESS_OBJ  := $(HARNESS_SRC:%.c=$(OBJ)/%.o)
HARNESS_A    := $(BUILD)/tests/libth.a
TEST_SRC     := $(sort $(wildcard tests/*/test_*.c))
TEST_BIN     := $(foreach t,$(TEST_SRC),$(BUILD)/tests/$(notdir $(basename $(t))))
TEST_INC     = -Ilibpanel/include -Ilibpanel/src -Itests/harness -Itests/support -Idbproxy \
	$(PKG_CFLAGS) $(TEST_CFLAGS) $(API_CFLAGS)

$(OBJ)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_INC) -c $< -o $@

$(HARNESS_A): $(HARNESS_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

define test_rule
$(BUILD)/tests/$(notdir $(basename $(1))): $(OBJ)/$(basename $(1)).o $(HARNESS_A) $(LIBPANEL_A)
	@mkdir -p $$(@D)
	$$(CC) -o $$@ $$< $(HARNESS_A) $(LIBPANEL_A) $$(ALL_LDFLAGS) $$(PKG_LIBS) $$(TEST_LIBS) \
		$$(TEST_EXTRA_LIBS)
endef
$(foreach t,$(TEST_SRC),$(eval $(call test_rule,$(t))))

# ---------------------------------------------------------------- fuzzing (clang + libFuzzer)
# Every fuzz/fuzz_*.c is one libFuzzer target, built with clang under ASan + UBSan into
# build/fuzz/ against the project's sources compiled there with coverage; see docs/testing.md.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
FUZZ_OBJ     := $(FUZZ_BUILD)/obj
FUZZ_CFLAGS   = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -pthread \
	-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fsanitize=fuzzer-no-link $(WARNINGS) $(CFLAGS) -MMD -MP
FUZZ_SRC     := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIBPANEL := $(FUZZ_BUILD)/lib/libpanel.a
FUZZ_PAPI    := $(FUZZ_BUILD)/lib/libpapi.a
FUZZ_DBPROXY := $(FUZZ_BUILD)/lib/libdbproxy.a
FUZZ_INC      = -Ilibpanel/include -Ilibpanel/src -Ipanel-api -Idbproxy -Ifuzz $(PKG_CFLAGS) \
	$(API_CFLAGS) $(PROXY_CFLAGS)
# panel-api without its main (the request target includes papi_httpd.c itself), dbproxy
# without dp_main.c.
FUZZ_PAPI_OBJ    := $(filter-out %/papi_httpd.o,$(PANELAPI_SRC:%.c=$(FUZZ_OBJ)/%.o))
FUZZ_DBPROXY_OBJ := $(filter-out %/dp_main.o,$(DBPROXY_SRC:%.c=$(FUZZ_OBJ)/%.o))
FUZZ_LIBPANEL_OBJ := $(LIBPANEL_SRC:%.c=$(FUZZ_OBJ)/%.o) $(FUZZ_OBJ)/gen/migrations.o
# The request target runs without a database: see fuzz/fuzz_api_request.c.
FUZZ_WRAP_fuzz_api_request := -Wl,--wrap=panel_open -Wl,--wrap=panel_auth_token \
	-Wl,--wrap=panel_auth_apikey -Wl,--wrap=papi_log -Wl,--wrap=papi_rlog \
	-Wl,--wrap=papi_log_access

$(FUZZ_OBJ)/libpanel/%.o: libpanel/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(LIBPANEL_CFLAGS) -c $< -o $@

$(FUZZ_OBJ)/gen/migrations.o: $(BUILD)/gen/migrations.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(LIBPANEL_CFLAGS) -c $< -o $@

$(FUZZ_OBJ)/panel-api/%.o: panel-api/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ilibpanel/include -Ipanel-api $(PKG_CFLAGS) $(API_CFLAGS) -c $< -o $@

$(FUZZ_OBJ)/dbproxy/%.o: dbproxy/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Idbproxy $(PROXY_CFLAGS) -c $< -o $@

$(FUZZ_OBJ)/fuzz/%.o: fuzz/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_INC) -c $< -o $@

$(FUZZ_LIBPANEL): $(FUZZ_LIBPANEL_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_PAPI): $(FUZZ_PAPI_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DBPROXY): $(FUZZ_DBPROXY_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_OBJ)/fuzz/fuzz_%.o $(FUZZ_PAPI) $(FUZZ_LIBPANEL) $(FUZZ_DBPROXY)
	@mkdir -p $(@D)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_WRAP_$(notdir $@)) \
		$(FUZZ_PAPI) $(FUZZ_LIBPANEL) $(FUZZ_DBPROXY) -pthread $(LDFLAGS) $(PKG_LIBS) \
		$(API_LIBS) $(PROXY_LIBS)

# ---------------------------------------------------------------- targets
.PHONY: all lib tests check test tsan-check deps run install uninstall clean format format-check compdb bench mtr \
	fuzz fuzz-build deb deb-check bare-check

all: lib $(PANELCTL) $(PANELAPI) $(DBPROXY)

lib: $(LIBPANEL_A) $(LIBPANEL_SO) $(LIBPANEL_PC)

tests: all $(TEST_BIN)

# One set of MariaDB servers serves both builds; see docs/testing.md.
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory SAN=1 tests
	@$(MAKE) --no-print-directory fuzz-build
	@tests/run-tests build/release build/asan

# Run the suite of one build only (faster while developing): make test [SAN=1]
test: tests
	@tests/run-tests $(BUILD)

# ThreadSanitizer (SAN=thread, build/tsan) on the tests that drive threads: panel-api's worker
# pool and log thread under concurrent requests, the runner, panelctl's import pool, libpanel's
# race cases, dbproxy's tests with writer and sampler threads. Not part of check (about 3
# minutes); see docs/testing.md.
TSAN_TESTS ?= test_api_ test_papi_ test_runner test_panelctl_import test_races test_dbproxy_failover \
	test_dbproxy_coop_three
tsan-check:
	@$(MAKE) --no-print-directory SAN=thread tests
	@PANEL_TEST_FILTER="$(TSAN_TESTS)" tests/run-tests build/tsan

deps:
	@tools/deps.sh

# The fuzz targets (build/fuzz/fuzz_*), and each run for FUZZ_SECONDS on its corpus
# (FUZZ_TARGETS="fuzz_zone ..." picks some). make check runs them for a short time.
fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Benchmarks (not part of check): each tests/bench/*.sh writes its report; see docs/benchmarks.md.
# api_baseline: the bare libmicrohttpd + one prepared statement server panel-api is compared with.
BENCH_BIN := $(BUILD)/bench/api_baseline
$(BUILD)/bench/api_baseline: tests/bench/api_baseline.c $(LIBPANEL_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ilibpanel/include -Ilibpanel/src $(PKG_CFLAGS) $(API_CFLAGS) -o $@ $< \
		$(LIBPANEL_A) $(ALL_LDFLAGS) $(PKG_LIBS) $(API_LIBS)
# N idle MySQL sessions held open (tests/bench/dbproxy-idle-memory.sh).
BENCH_BIN += $(BUILD)/bench/idle_clients
$(BUILD)/bench/idle_clients: tests/bench/idle_clients.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags libmariadb) -o $@ $< $(ALL_LDFLAGS) \
		$(shell pkg-config --libs libmariadb)
# The floor of CPU per statement of any relay (tests/bench/relay-floor.sh): a minimal epoll
# relay, and the same with io_uring where liburing is installed (not a project dependency).
BENCH_BIN += $(BUILD)/bench/relay_floor
$(BUILD)/bench/relay_floor: tests/bench/relay_floor.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)
ifeq ($(shell pkg-config --exists liburing && echo yes),yes)
BENCH_BIN += $(BUILD)/bench/relay_floor_uring
endif
$(BUILD)/bench/relay_floor_uring: tests/bench/relay_floor_uring.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags liburing) -o $@ $< $(ALL_LDFLAGS) \
		$(shell pkg-config --libs liburing)

bench: all $(BENCH_BIN)
	@for b in tests/bench/*.sh; do [ -f "$$b" ] && PANEL_BUILD=$(BUILD) bash "$$b" || exit 1; done

# MariaDB's own test suite, directly and through dbproxy, compared (the full list; it takes
# a while). make check runs the short list (tests/dbproxy/test_mtr_short.sh). See docs/testing.md.
MTR_JOBS ?= 2
mtr:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@PANEL_BUILD=$(BUILD) tests/dbproxy/mtr-compare.sh --jobs $(MTR_JOBS)

# make run HA=1: three MariaDB servers, two dbproxies, two panel-apis behind HAProxy (tools/run-ha.sh).
HA ?= 0
run:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@$(if $(filter 1,$(HA)),tools/run-ha.sh,tools/run-demo.sh) $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/include/panel $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man8
	install -m 644 libpanel/include/panel/*.h $(DESTDIR)$(PREFIX)/include/panel/
	install -m 644 $(LIBPANEL_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIBPANEL_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libpanel.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libpanel.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		-e 's|@PKGS@|$(PKGS)|g' libpanel/libpanel.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libpanel.pc
	install -m 755 $(PANELCTL) $(PANELAPI) $(DBPROXY) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 docs/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 docs/man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	DESTDIR='$(DESTDIR)' BINDIR='$(PREFIX)/bin' SYSCONFDIR='$(SYSCONFDIR)' UNITDIR='$(UNITDIR)' \
		SYSUSERSDIR='$(SYSUSERSDIR)' INSTALL_USERS='$(INSTALL_USERS)' tools/install-system.sh

# Debian packages (debian/) into build/deb/, built in a copy of the tree; lintian errors fail it.
# deb-check installs them in a clean Debian 12 tree and starts each service; bare-check runs the
# README's first commands in a bare one, then make deps and make check. Both take minutes and
# debootstrap; neither is part of make check. See docs/packaging.md.
deb:
	@tools/build-deb.sh

deb-check:
	@tests/packaging/test_deb_install.sh

# BARE_TARGETS="deps tests" stops short of the full make check.
bare-check:
	@tests/packaging/test_bare_debian.sh $(BARE_TARGETS)

# Removes what install put there, except the configuration files and the system users.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/include/panel/,$(notdir $(wildcard libpanel/include/panel/*.h)))
	rmdir $(DESTDIR)$(PREFIX)/include/panel 2>/dev/null || true
	rm -f $(DESTDIR)$(LIBDIR)/libpanel.a $(DESTDIR)$(LIBDIR)/libpanel.so \
		$(DESTDIR)$(LIBDIR)/libpanel.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/pkgconfig/libpanel.pc
	rm -f $(DESTDIR)$(PREFIX)/bin/panelctl $(DESTDIR)$(PREFIX)/bin/panel-api $(DESTDIR)$(PREFIX)/bin/dbproxy
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(wildcard docs/man/*.1))) \
		$(addprefix $(DESTDIR)$(PREFIX)/share/man/man8/,$(notdir $(wildcard docs/man/*.8)))
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(basename $(wildcard dist/systemd/*.in)))) \
		$(DESTDIR)$(SYSUSERSDIR)/panel.conf

clean:
	rm -rf build

FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

compdb:
	bear -- $(MAKE) -B all tests

-include $(shell find $(OBJ) $(FUZZ_OBJ) -name '*.d' 2>/dev/null)
