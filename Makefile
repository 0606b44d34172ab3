# luatls — `make help` lists the targets.

PREFIX  ?= /usr/local
CC      ?= gcc
BUILD   ?= build
LUA_PC  := lua5.4
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
# pkg-config runs when a recipe first uses these, not when make reads this file: on a
# machine that has never built luatls, `deps` has installed the -dev packages by then
# (every compile waits for it). $(call once,VAR,COMMAND) is COMMAND's output, kept in VAR
# the first time, so pkg-config runs once per make, not once per compile.
once = $(if $(filter undefined,$(origin $(1))),$(eval $(1) := $$(shell $(2) 2>/dev/null)))$($(1))
DEPS_CFLAGS = $(call once,_pc_cflags,pkg-config --cflags $(LUA_PC) openssl libedit)
DEPS_LIBS   = -lev -lhiredis $(call once,_pc_libs,pkg-config --libs openssl libedit) -lpthread
LUA_LIBS    = $(call once,_pc_lua_libs,pkg-config --libs $(LUA_PC)) -lm -ldl
LUADIR      := $(PREFIX)/share/luatls/lua
LUA_CMOD    := $(PREFIX)/lib/x86_64-linux-gnu/lua/5.4
MANDIR      := $(PREFIX)/share/man/man1
VERSION     := $(shell sed -n 's/^\#define LT_VERSION "\(.*\)"$$/\1/p' src/luatls.h)
DEB         := build/luatls_$(VERSION)_amd64.deb

CORE_SRC := src/module.c src/core.c src/loop.c src/stream.c src/tcp.c src/dns.c src/context.c src/tls.c src/x509.c src/process.c src/repl.c src/hooks.c src/session.c src/bio.c src/ipc.c src/x509gen.c src/scratch.c src/redis.c src/stdin.c
CORE_OBJ := $(CORE_SRC:src/%.c=$(BUILD)/obj/%.o)
PIC_OBJ  := $(CORE_SRC:src/%.c=$(BUILD)/pic/%.o)
HEADERS  := $(wildcard src/*.h)

# Debian packages the build, the tests and the demo need
PACKAGES := gcc make pkg-config libssl-dev openssl liblua5.4-dev lua5.4 libev-dev \
            lua-busted libedit-dev gnutls-bin curl valgrind python3 bsdutils ca-certificates \
            luarocks groff-base redis-server libhiredis-dev lua-check
# peers that may come from elsewhere than Debian: command, then the package to install
PEERS := node:nodejs

BUSTED := lua5.4 /usr/bin/busted
# The specs' servers listen on 127.0.0.1: Node peers resolve localhost there first, as Node 20
# does by trying both families and Node 18 (Debian's) does only when told
export NODE_OPTIONS := --dns-result-order=ipv4first $(NODE_OPTIONS)

.PHONY: all deps demo test asan valgrind rss bench bench-s7 bench-deps soak audit audit-deps fuzz fuzz-smoke fuzz-merge fuzz-cov fuzz-deps install uninstall clean help certs fresh-check man-check deb deb-check lint analyze analyze-deps

all: $(BUILD)/luatls $(BUILD)/lib/luatls/core.so

help:
	@echo "make            build build/luatls and build/lib/luatls/core.so"
	@echo "make deps       install the missing Debian packages"
	@echo "make demo       echo server and client against each other"
	@echo "make test       every spec (busted), real sockets on loopback"
	@echo "make asan       the specs under AddressSanitizer + UBSan"
	@echo "make valgrind   the specs under valgrind memcheck: no errors, no leaks"
	@echo "make rss        server RSS with 1,000 idle TLS connections, luatls and Node.js"
	@echo "make bench      luatls against Node.js and nginx: handshakes, requests, throughput, memory, start-up"
	@echo "make bench-s7   S7 alone: handshakes per second on a cluster, 1 and WORKERS workers"
	@echo "make audit      testssl.sh against the echo server and its Node.js twin"
	@echo "make soak       SOAK_N (50,000) connections, a fifth abusive: no loss, no drift, no fd left"
	@echo "make fuzz       the libFuzzer targets in fuzz/, FUZZ_SECONDS (1800) each; make fuzz-smoke: 60 s each"
	@echo "                (make fuzz-cov: their src/ coverage; make fuzz-merge: keep what they found)"
	@echo "make install    install to PREFIX (default /usr/local), the man page too; make uninstall"
	@echo "make man-check  doc/luatls.1 formats without a warning"
	@echo "make lint       luacheck (.luacheckrc) over the Lua files: lua/ examples/ spec/ bench/ fuzz/ types/"
	@echo "make analyze    the clang static analyzer (scan-build) over src/; a report fails it"
	@echo "make deb        $(DEB) with dpkg-shlibdeps, dpkg-gencontrol and dpkg-deb"
	@echo "make deb-check  apt install it in a new minimal Debian 12 root, run its echo example from"
	@echo "                /tmp, apt remove it and check nothing is left (as root, a few minutes)"
	@echo "make fresh-check  make demo, then make test, in a new minimal Debian 12 root (debootstrap,"
	@echo "                chroot; as root, a few minutes, needs the Debian mirror); KEEP=1 keeps the root"
	@echo "make clean      remove build/ and the generated certificates"

# $(call install,PACKAGES,PEERS): installs the Debian packages that are missing, and
# the package of each command:package peer whose command is not found. Fast when
# everything is there: one dpkg query, no network.
define install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done; \
	  for cp in $(2); do command -v $${cp%%:*} >/dev/null || echo $${cp#*:}; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:" $$missing; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	  else \
	    echo "missing packages; run as root:"; \
	    echo "  apt-get update && apt-get install -y" $$missing; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call install,$(PACKAGES),$(PEERS))

$(BUILD)/obj/%.o: src/%.c $(HEADERS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(DEPS_CFLAGS) -DLT_LUADIR='"$(LUADIR)"' -c $< -o $@

$(BUILD)/pic/%.o: src/%.c $(HEADERS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) -fPIC $(DEPS_CFLAGS) -c $< -o $@

$(BUILD)/luatls: $(CORE_OBJ) $(BUILD)/obj/main.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LUA_LIBS) $(DEPS_LIBS)

# the same executable with allocators that fail on demand, for the F25 fault specs
$(BUILD)/obj/main-faults.o: src/main.c $(HEADERS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(DEPS_CFLAGS) -DLT_FAULT_INJECTION -DLT_LUADIR='"$(LUADIR)"' -c $< -o $@

$(BUILD)/luatls-faults: $(CORE_OBJ) $(BUILD)/obj/main-faults.o $(BUILD)/obj/faults.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LUA_LIBS) $(DEPS_LIBS)

# the same core as a C module for stock lua5.4 and busted
$(BUILD)/lib/luatls/core.so: $(PIC_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -o $@ $^ $(DEPS_LIBS)

certs: deps
	@$(MAKE) --no-print-directory -s -C certs

demo: all certs
	@$(BUILD)/luatls examples/demo.lua

test: all certs $(BUILD)/luatls-faults
	@$(BUSTED) $(BUSTED_ARGS)

# Sanitized build: the executable runs busted itself, so Lua and the core are both covered.
# It also checks that every batch of callbacks leaves the Lua stack balanced.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DLT_DEBUG_STACK
asan: certs
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
	  build-asan/luatls build-asan/luatls-faults
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LUATLS_BIN=build-asan/luatls LUATLS_FAULTS_BIN=build-asan/luatls-faults build-asan/luatls /usr/bin/busted $(BUSTED_ARGS)

# every spec with the executable under memcheck (children run natively), deadlines 20 times
# longer; F16 opens 1,000 connections, not 10,000 (valgrind keeps fds for itself)
valgrind: all certs $(BUILD)/luatls-faults
	LUATLS_TIMEOUT_SCALE=20 LUATLS_F16_CONNECTIONS=1000 valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	  --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	  $(BUILD)/luatls /usr/bin/busted $(BUSTED_ARGS)

# load tools for the benchmark and its anchors (nginx is started by the bench itself, as
# a plain process on its own prefix, never as a service), gnuplot for its picture; the
# auditor (Debian's)
BENCH_PACKAGES := wrk nginx-light gnuplot-nox curl
bench-deps:
	$(call install,$(BENCH_PACKAGES),node:nodejs)

audit-deps:
	$(call install,testssl.sh,node:nodejs)

# N connections, a fifth of them abusive, against one server: failures, RSS drift, fds
SOAK_N ?= 50000
soak: all certs
	$(BUILD)/luatls bench/soak.lua $(SOAK_N)

# testssl.sh against the echo server example and its Node.js twin (about 2 minutes)
audit: all certs audit-deps
	$(BUILD)/luatls bench/audit.lua

bench: all certs bench-deps
	@mkdir -p bench/results
	$(BUILD)/luatls bench/run.lua $(BENCH_ARGS)

# S7 alone: handshakes on a cluster with 1 and with WORKERS workers (default: every core)
bench-s7: all certs
	@mkdir -p bench/results
	$(BUILD)/luatls bench/s7-cluster.lua $(BENCH_ARGS)

rss: all certs
	$(BUILD)/luatls bench/idle-rss.lua 1000

# libFuzzer targets (fuzz/*.lua through fuzz/driver.c) with ASan and UBSan, built by clang
FUZZ_CC      := clang-14
FUZZ_TARGETS := options x509 session server actions
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_OBJ     := $(CORE_SRC:src/%.c=build-fuzz/obj/%.o)
FUZZ_SECONDS ?= 1800
FUZZ_RUN     := -max_len=4096 -timeout=5 -rss_limit_mb=4096 -detect_leaks=0 -print_final_stats=1

# $(call clang_objects,DIR,CFLAGS): the core and the fuzz driver compiled by clang into DIR/obj
define clang_objects
$(1)/obj/%.o: src/%.c $$(HEADERS) | deps fuzz-deps
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(WARN) $(2) $$(DEPS_CFLAGS) -c $$< -o $$@

$(1)/obj/driver.o: fuzz/driver.c $$(HEADERS) | deps fuzz-deps
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(WARN) $(2) $$(DEPS_CFLAGS) -c $$< -o $$@
endef
$(eval $(call clang_objects,build-fuzz,$(FUZZ_CFLAGS)))

$(FUZZ_TARGETS:%=build-fuzz/%): $(FUZZ_OBJ) build-fuzz/obj/driver.o
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LUA_LIBS) $(DEPS_LIBS)

fuzz-deps:
	$(call install,clang-14 libclang-rt-14-dev llvm-14,)

# each target for FUZZ_SECONDS (30 minutes), two at a time; new inputs go to build-fuzz/corpus
fuzz: certs $(FUZZ_TARGETS:%=build-fuzz/%)
	@printf '%s\n' $(FUZZ_TARGETS) | xargs -P 2 -I T sh -c 'mkdir -p build-fuzz/corpus/T && \
	  build-fuzz/T $(FUZZ_RUN) -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus/T fuzz/corpus/T \
	  > build-fuzz/T.log 2>&1; s=$$?; echo "T: exit $$s; $$(grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)" build-fuzz/T.log | tr "\n" " ")"; \
	  grep -E "^#[0-9]+.*(DONE|pulse)" build-fuzz/T.log | tail -1; exit $$s'

# one minute a target, as CI runs it
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=60

# src/ line coverage of each target's corpus (the kept one and the last run's)
COV_OBJ := $(CORE_SRC:src/%.c=build-cov/obj/%.o)
COV_CFLAGS := -g -O1 -fprofile-instr-generate -fcoverage-mapping -fsanitize=fuzzer-no-link

$(eval $(call clang_objects,build-cov,$(COV_CFLAGS)))

$(FUZZ_TARGETS:%=build-cov/%): $(COV_OBJ) build-cov/obj/driver.o
	$(FUZZ_CC) -fprofile-instr-generate -fsanitize=fuzzer -o $@ $^ $(LUA_LIBS) $(DEPS_LIBS)

fuzz-cov: certs $(FUZZ_TARGETS:%=build-cov/%)
	@for t in $(FUZZ_TARGETS); do mkdir -p build-fuzz/corpus/$$t; \
	  LLVM_PROFILE_FILE=build-cov/$$t.profraw build-cov/$$t -runs=0 build-fuzz/corpus/$$t fuzz/corpus/$$t >/dev/null 2>&1; \
	  llvm-profdata-14 merge -o build-cov/$$t.profdata build-cov/$$t.profraw; \
	  printf '%-8s ' $$t; llvm-cov-14 report build-cov/$$t -instr-profile=build-cov/$$t.profdata $(CORE_SRC) | tail -1 | \
	    awk '{ print "src/ line coverage " $$10 " (" $$8 - $$9 " of " $$8 " lines)" }'; done

# minimises what a fuzz run found back into the corpus kept in the repository
fuzz-merge: $(FUZZ_TARGETS:%=build-fuzz/%)
	@for t in $(FUZZ_TARGETS); do mkdir -p build-fuzz/corpus/$$t; \
	  build-fuzz/$$t -merge=1 fuzz/corpus/$$t build-fuzz/corpus/$$t 2>&1 | tail -1; done

# The README's two commands on a Debian 12 that has never seen luatls: a debootstrap
# --variant=minbase root in a scratch folder, `git archive HEAD` in it, `make demo` and
# `make test` in it with chroot. Not part of `make test`. See tools/fresh-check.sh.
fresh-check:
	$(call install,debootstrap,)
	@tools/fresh-check.sh

# The Debian package: a PREFIX=/usr build staged with `make install DESTDIR=`, Depends:
# from dpkg-shlibdeps. See tools/make-deb.sh and packaging/debian/.
deb: certs
	$(call install,dpkg-dev,)
	@tools/make-deb.sh

# The package in a debootstrap root (tools/fresh-check.sh with DEB=, tools/deb-check.sh):
# apt install, the echo example from another directory, apt remove. Not part of `make test`.
deb-check: deb
	$(call install,debootstrap,)
	@DEB=$(DEB) tools/fresh-check.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LUADIR)/luatls $(DESTDIR)$(LUA_CMOD)/luatls
	install -m 755 $(BUILD)/luatls $(DESTDIR)$(PREFIX)/bin/luatls
	install -m 644 lua/*.lua $(DESTDIR)$(LUADIR)/
	install -m 644 lua/luatls/*.lua $(DESTDIR)$(LUADIR)/luatls/
	install -m 755 $(BUILD)/lib/luatls/core.so $(DESTDIR)$(LUA_CMOD)/luatls/core.so
	install -d $(DESTDIR)$(MANDIR)
	install -m 644 doc/luatls.1 $(DESTDIR)$(MANDIR)/luatls.1

# luacheck with the committed .luacheckrc: a warning fails
LINT_PATHS := lua examples spec bench fuzz/*.lua types
lint: deps
	luacheck -q --no-color $(LINT_PATHS)

# the clang static analyzer over a fresh build of src/ (both executables: every .c file);
# a report fails, its HTML stays in build-analyze/reports
analyze: analyze-deps
	@rm -rf build-analyze
	scan-build -o build-analyze/reports --status-bugs --use-cc=clang \
	  $(MAKE) --no-print-directory BUILD=build-analyze build-analyze/luatls build-analyze/luatls-faults

analyze-deps: deps
	$(call install,clang clang-tools,)

# doc/luatls.1 formats without a warning; spec/man_spec.lua also checks what it documents
man-check:
	@out=$$(groff -ww -z -man doc/luatls.1 2>&1); if [ -n "$$out" ]; then echo "$$out"; exit 1; fi
	@if command -v man >/dev/null; then out=$$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l doc/luatls.1 2>&1 >/dev/null); \
	  if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; fi
	@echo "doc/luatls.1: groff -ww -z -man and man --warnings -l: no warnings"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/luatls $(DESTDIR)$(LUA_CMOD)/luatls/core.so $(DESTDIR)$(MANDIR)/luatls.1
	rm -rf $(DESTDIR)$(PREFIX)/share/luatls

clean:
	rm -rf build build-asan build-fuzz build-cov build-analyze
	@$(MAKE) --no-print-directory -s -C certs clean
