# supervisord and supctl: a plain GNU Makefile.
#
#   make            build/supervisord, build/supctl
#   make run        build, then run the daemon with conf/supervisord.conf
#   make check      build and run every test (unit, integration, man lint)
#   make asan       the same tests under AddressSanitizer + UBSan
#   make bench      side-by-side benchmark against Python Supervisor
#   make fuzz       libFuzzer targets (clang), FUZZ_SECONDS=60 each
#   make soak       the long reliability runs, SOAK_MINUTES=10
#   make install    PREFIX=/usr/local DESTDIR=
#
# Missing build dependencies are installed with apt-get (through sudo when
# not root) by the 'deps' target that run and check depend on.

BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc
PYTHON	?= /usr/bin/python3

PKGS	:= libcjson inih
# The daemon's HTTP server, XML-RPC decoder and {SHA} passwords (libmd's
# SHA-1) only (not supctl).
HTTP_PKGS := expat libmd
# libmicrohttpd is opened with dlopen() when HTTP is first needed
# (supervisord/http/mhd.c): its headers at build time, its SONAME here.
MHD_PKG	:= libmicrohttpd
MHD_SONAME := $(shell objdump -p $$(pkg-config --variable=libdir $(MHD_PKG) \
	      2>/dev/null)/libmicrohttpd.so 2>/dev/null | awk '/SONAME/ { print $$2 }')
CSTD	:= -std=gnu11
WARN	:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wmissing-prototypes \
	   -Wstrict-prototypes -Wno-unused-parameter
OPT	?= -O2 -g
ifeq ($(SAN),1)
OPT	:= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=undefined
SANLD	:= -fsanitize=address,undefined
endif

CPPFLAGS += -D_GNU_SOURCE -Ilib -Ilib/config \
	    $(shell pkg-config --cflags $(PKGS) $(HTTP_PKGS) $(MHD_PKG) 2>/dev/null)
ifneq ($(MHD_SONAME),)
CPPFLAGS += -DMHD_SONAME='"$(MHD_SONAME)"'
endif
CFLAGS	+= $(CSTD) $(OPT) $(WARN) -MMD -MP
LDLIBS	:= -lev $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
HTTP_LIBS := $(shell pkg-config --libs $(HTTP_PKGS) 2>/dev/null)
LDFLAGS	+= $(SANLD)

LIB_SRCS	:= $(wildcard lib/*.c lib/*/*.c)
DAEMON_SRCS	:= $(wildcard supervisord/*.c supervisord/*/*.c)
# The daemon's folders (engine, output, control, reload, host) share one
# private header (supervisord/supervisord.h) and see each other's headers.
DAEMON_INC	:= -Isupervisord $(patsubst %/,-I%,$(wildcard supervisord/*/))
CTL_SRCS	:= $(wildcard supctl/*.c)
UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
HELPER_SRCS	:= $(wildcard tests/helpers/*.c)
FUZZ_SRCS	:= $(wildcard tests/fuzz/fuzz_*.c)

LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
# The web page's files, compiled in as data (supervisord/web/embed.sh).
WEB_FILES	:= $(sort $(wildcard supervisord/web/page/*))
WEB_ASSETS	:= $(BUILD)/obj/gen/web_assets.o
DAEMON_OBJS	:= $(DAEMON_SRCS:%.c=$(BUILD)/obj/%.o) $(WEB_ASSETS)
# Everything of the daemon but main(), for unit tests of its modules.
DAEMON_CORE	:= $(filter-out $(BUILD)/obj/supervisord/host/main.o,$(DAEMON_OBJS))
CTL_OBJS	:= $(CTL_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_BINS	:= $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
HELPER_BINS	:= $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/helpers/%)

LIBSUP	:= $(BUILD)/libsup.a

.PHONY: all deps run check check-unit check-integration check-man asan \
	bench fuzz fuzz-build check-fuzz soak install clean helpers \
	pysupervisor nginx prometheus

all: $(BUILD)/supervisord $(BUILD)/supctl

$(LIBSUP): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/supervisord: $(DAEMON_OBJS) $(LIBSUP)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(HTTP_LIBS)

$(BUILD)/supctl: $(CTL_OBJS) $(LIBSUP)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DAEMON_INC) -c -o $@ $<

$(BUILD)/gen/web_assets.c: supervisord/web/embed.sh $(WEB_FILES)
	@mkdir -p $(@D)
	sh supervisord/web/embed.sh $(WEB_FILES) > $@.tmp && mv $@.tmp $@

$(WEB_ASSETS): $(BUILD)/gen/web_assets.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(DAEMON_CORE) $(LIBSUP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DAEMON_INC) -Itests/unit $(LDFLAGS) -o $@ \
	    $< $(DAEMON_CORE) $(LIBSUP) $(LDLIBS) $(HTTP_LIBS) \
	    $(shell pkg-config --libs check 2>/dev/null)

$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

helpers: $(HELPER_BINS)

# Build dependencies: Debian package names, installed when missing.
DEB_BUILD := gcc make pkg-config libev-dev libcjson-dev libinih-dev check \
	     libmicrohttpd-dev libexpat1-dev libmd-dev
DEB_TEST  := python3 python3-pytest python3-pytest-xdist procps mandoc \
	     chromium chromium-driver python3-selenium firefox-esr \
	     python3-websocket
SUDO	  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

deps:
	@missing=""; \
	for p in $(DEB_BUILD) $(if $(filter check% asan,$(MAKECMDGOALS)),$(DEB_TEST)); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		    grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing missing packages:$$missing"; \
		if ! command -v apt-get >/dev/null; then \
			echo "no apt-get here: install$$missing by hand" >&2; \
			exit 1; \
		fi; \
		if [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null; then \
			echo "not root and no sudo: run as root:" >&2; \
			echo "  apt-get install -y$$missing" >&2; exit 1; \
		fi; \
		$(SUDO) apt-get update -qq || true; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
		    --no-install-recommends $$missing || { \
			echo "could not install; run:" >&2; \
			echo "  $(SUDO) apt-get install -y$$missing" >&2; exit 1; }; \
	fi

run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p run
	@echo "supervisord: in another terminal: $(BUILD)/supctl -c conf/supervisord.conf status"
	exec $(BUILD)/supervisord -c conf/supervisord.conf

check: deps
	@$(MAKE) --no-print-directory all helpers $(UNIT_BINS)
	@$(MAKE) --no-print-directory check-unit check-integration check-man

check-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; CK_FORK=yes CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-10} $$t; done

# loadgroup: a module marked xdist_group runs in one worker, so that it
# starts its browsers once (tests/integration/web_browsers.py).
PYTEST_ARGS ?= -n 4 --dist loadgroup
check-integration: all helpers pysupervisor nginx prometheus
	cd tests/integration && BUILD=$(abspath $(BUILD)) \
	    $(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# A real nginx for the tests of programs that fork workers or daemonize
# (tests/integration/test_engine_escape.py).  Debian's package starts a
# service when installed: it is fetched with apt-get download and only
# unpacked under $(BUILD)/nginx with dpkg -x (its libraries are the base
# system's).  Without a network those tests skip, saying why
# ($(BUILD)/nginx-deb/download.log).
NGINX	:= $(BUILD)/nginx/usr/sbin/nginx
nginx: $(NGINX)

$(NGINX):
	@rm -rf $(BUILD)/nginx $(BUILD)/nginx-deb && mkdir -p $(BUILD)/nginx-deb
	@cd $(BUILD)/nginx-deb && log=download.log; \
	get() { apt-get download nginx >>$$log 2>&1; }; \
	if ! get; then \
		echo "== apt-get update, then again" >>$$log; \
		$(SUDO) apt-get update -qq >>$$log 2>&1 && get; \
	fi && dpkg -x nginx_*.deb ../nginx && \
	echo "nginx: $$(ls *.deb) unpacked in $(BUILD)/nginx" \
	|| echo "nginx: cannot fetch nginx (see $(BUILD)/nginx-deb/" \
	    "download.log): its tests will skip"

# A real Prometheus and its promtool for the tests of GET /metrics
# (tests/integration/test_http_metrics.py).  Debian's package starts a
# service when installed: it is fetched with apt-get download and only
# unpacked under $(BUILD)/prometheus with dpkg -x (static Go programs).
# Without a network those tests skip, saying why
# ($(BUILD)/prometheus-deb/download.log).
PROMETHEUS	:= $(BUILD)/prometheus/usr/bin/prometheus
prometheus: $(PROMETHEUS)

$(PROMETHEUS):
	@rm -rf $(BUILD)/prometheus $(BUILD)/prometheus-deb && \
	    mkdir -p $(BUILD)/prometheus-deb
	@cd $(BUILD)/prometheus-deb && log=download.log; \
	get() { apt-get download prometheus >>$$log 2>&1; }; \
	if ! get; then \
		echo "== apt-get update, then again" >>$$log; \
		$(SUDO) apt-get update -qq >>$$log 2>&1 && get; \
	fi && dpkg -x prometheus_*.deb ../prometheus && \
	echo "prometheus: $$(ls *.deb) unpacked in $(BUILD)/prometheus" \
	|| echo "prometheus: cannot fetch prometheus (see" \
	    "$(BUILD)/prometheus-deb/download.log): its tests will skip"

# Python Supervisor 4.2, the reference of the differential tests: Debian's
# package and its one Python dependency (pkg_resources) fetched with
# apt-get download and unpacked under $(BUILD)/pysupervisor with dpkg -x.
# Only their Python code is used (tests/integration/pysupervisor.py):
# nothing is installed, no service starts, and every machine runs the
# same copy.  Without a network the tests that need it skip, saying why
# ($(BUILD)/pysupervisor/download.log).
PYSUP_DIR	:= $(BUILD)/pysupervisor
PYSUP_DEBS	:= supervisor python3-pkg-resources
pysupervisor: $(PYSUP_DIR)/root/.unpacked

$(PYSUP_DIR)/root/.unpacked:
	@rm -rf $(PYSUP_DIR) && mkdir -p $(PYSUP_DIR)/debs
	@cd $(PYSUP_DIR)/debs && log=../download.log; \
	get() { apt-get download $(PYSUP_DEBS) >>$$log 2>&1; }; \
	if ! get; then \
		echo "== apt-get update, then again" >>$$log; \
		$(SUDO) apt-get update -qq >>$$log 2>&1 && get; \
	fi && for d in *.deb; do dpkg -x "$$d" ../root || exit 1; done && \
	touch ../root/.unpacked && \
	echo "pysupervisor: $$(ls *.deb | tr '\n' ' ')unpacked in $(PYSUP_DIR)" \
	|| echo "pysupervisor: cannot fetch $(PYSUP_DEBS) (see" \
	    "$(PYSUP_DIR)/download.log): the differential tests will skip"

check-man:
	@set -e; for m in man/*.[0-9]; do \
		[ -f "$$m" ] || continue; \
		out=$$(mandoc -T lint -W warning "$$m" 2>&1) || true; \
		if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
		echo "mandoc lint ok: $$m"; \
	done

asan:
	$(MAKE) BUILD=build-asan SAN=1 check

# libFuzzer targets (tests/fuzz/fuzz_NAME.c), built by clang from the same
# library sources with the fuzzer's instrumentation into build-fuzz/.
# `make fuzz FUZZ_SECONDS=N` runs each N seconds from its seeds
# (tests/fuzz/corpus/NAME) and what it found before (build-fuzz/corpus/);
# check-fuzz replays the seeds, then runs each CHECK_FUZZ_SECONDS.
FUZZ_BUILD	:= build-fuzz
FUZZ_DIR	 = $(abspath $(FUZZ_BUILD))
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_NAMES	:= $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_SECONDS	?= 60
CHECK_FUZZ_SECONDS ?= 20

# The configuration's harness keeps the loader in its folder (see there).
FUZZ_WRAP_config := -Wl,--wrap=glob -Wl,--wrap=open
# The XML-RPC decoder is the daemon's alone (not in lib/): its harness
# compiles the daemon's files.
FUZZ_EXTRA_xmlrpc := -Isupervisord/http supervisord/http/xmlrpc_decode.c \
	    supervisord/http/xmlrpc_write.c $(HTTP_LIBS)
$(FUZZ_BUILD)/fuzz_xmlrpc: supervisord/http/xmlrpc_decode.c \
	    supervisord/http/xmlrpc_write.c supervisord/http/xmlrpc.h
# The listener's stdout scanner is the daemon's too (pure, on its own).
FUZZ_EXTRA_listener := -Isupervisord/listener \
	    supervisord/listener/lsnparse.c
$(FUZZ_BUILD)/fuzz_listener: supervisord/listener/lsnparse.c \
	    supervisord/listener/lsnparse.h
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIBSUP)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) \
	    $(FUZZ_WRAP_$*) -o $@ $< $(FUZZ_EXTRA_$*) $(LIBSUP) $(LDLIBS)

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
	    OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link \
	    $(FUZZ_SAN)" $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_NAMES); do \
		echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
		log=$(FUZZ_DIR)/fuzz_$$t.log; \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crashes \
		    $(FUZZ_DIR)/tmp; \
		if TMPDIR=$(FUZZ_DIR)/tmp $(FUZZ_DIR)/fuzz_$$t \
		    -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		    -print_final_stats=1 \
		    -artifact_prefix=$(FUZZ_DIR)/crashes/$$t- \
		    $(FUZZ_DIR)/corpus/$$t $(CURDIR)/tests/fuzz/corpus/$$t \
		    >$$log 2>&1; \
		then grep -E '^(Done|stat::number_of_executed_units|stat::peak)' $$log; \
		else tail -n 60 $$log; exit 1; fi; \
	done

check-fuzz: fuzz-build
	@set -e; for t in $(FUZZ_NAMES); do \
		echo "== replay tests/fuzz/corpus/$$t"; \
		log=$(FUZZ_DIR)/replay_$$t.log; \
		mkdir -p $(FUZZ_DIR)/tmp; \
		if TMPDIR=$(FUZZ_DIR)/tmp $(FUZZ_DIR)/fuzz_$$t -runs=0 \
		    $(CURDIR)/tests/fuzz/corpus/$$t >$$log 2>&1; \
		then tail -n 1 $$log; \
		else tail -n 60 $$log; exit 1; fi; \
	done
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)

# Soak: the reliability tests' long variants (10,000 orphans, 30 s of
# load), then 100 crash-looping programs for SOAK_MINUTES under ASan
# (build-asan), valgrind and the plain build side by side
# (tests/soak/soak.py).
SOAK_MINUTES ?= 10
soak: deps
	@$(MAKE) --no-print-directory all helpers
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 all
	RELIABILITY_SOAK=1 $(MAKE) --no-print-directory check-integration \
	    PYTEST_ARGS="-q -k reliability"
	$(PYTHON) tests/soak/soak.py --minutes $(SOAK_MINUTES) \
	    --build $(abspath $(BUILD)) --asan-build $(abspath build-asan) \
	    --json $(abspath $(BUILD))/soak.json

bench: deps all helpers pysupervisor
	$(PYTHON) tests/bench/bench.py --build $(abspath $(BUILD))

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system \
	    $(DESTDIR)$(PREFIX)/share/doc/supervisord
	install -m 755 $(BUILD)/supervisord $(BUILD)/supctl $(DESTDIR)$(PREFIX)/bin/
	for m in man/*.1; do [ -f $$m ] && install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/ || true; done
	for m in man/*.5; do [ -f $$m ] && install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man5/ || true; done
	for m in man/*.8; do [ -f $$m ] && install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man8/ || true; done
	for u in systemd/*.service; do [ -f $$u ] && sed 's|@BINDIR@|$(PREFIX)/bin|g' $$u > $(DESTDIR)$(PREFIX)/lib/systemd/system/$$(basename $$u) || true; done
	install -m 644 conf/supervisord.conf $(DESTDIR)$(PREFIX)/share/doc/supervisord/supervisord.conf.example

clean:
	rm -rf build build-* run

# The compiler's dependency files (not the folders of $(PYSUP_DIR)).
-include $(shell find $(BUILD) -path $(PYSUP_DIR) -prune -o -name '*.d' \
	-type f -print 2>/dev/null)
