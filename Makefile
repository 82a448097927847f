# ECO scheduler: ecod (daemon) and ecoctl (client).
#
#   make run    install missing build dependencies, build, start a local instance under ./var
#   make test   install missing build dependencies, build, run every test
#   make asan   the same tests under AddressSanitizer and UndefinedBehaviorSanitizer
#   make clean  remove build output (./var, the local instance, is kept)

DEBS	 = libevent-dev libsqlite3-dev libsodium-dev libconfig-dev libcmocka-dev pkg-config
PKGS	 = libevent sqlite3 libsodium libconfig

BUILD	?= build
CC	?= cc
OPT	?= -O2
SAN	?=

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

CFLAGS	+= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	   -Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter \
	   $(OPT) -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE \
	   -Iinclude $(SAN) $(PKG_CFLAGS)
LDFLAGS	+= -pie -Wl,-z,relro,-z,now $(SAN)

COMMON_SRCS = common/xmalloc.c common/wire.c common/passphrase.c \
	      common/notehdr.c common/merkle.c common/checkpoint.c
DAEMON_SRCS = daemon/log.c daemon/config.c daemon/seal.c daemon/store.c daemon/instance.c \
	      daemon/keys.c daemon/server.c daemon/cmd.c daemon/cmd-misc.c \
	      daemon/rec.c daemon/timeutil.c daemon/code.c daemon/sched.c daemon/booking.c \
	      daemon/cmd-auth.c daemon/cmd-sched.c daemon/notes.c daemon/cmd-notes.c \
	      daemon/audit.c daemon/cmd-audit.c
CLIENT_SRCS = client/conn.c client/cmd-misc.c client/cmd-keys.c \
	      client/cmd-sched.c client/keyfile.c client/ical.c client/note.c \
	      client/cmd-notes.c client/cmd-audit.c
TOOL_NAMES  = rawsock dbpoke
UNIT_NAMES  = test_wire test_seal test_store test_config test_time test_code \
	      test_note test_merkle

COMMON_OBJS = $(COMMON_SRCS:%.c=$(BUILD)/%.o)
DAEMON_OBJS = $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
CLIENT_OBJS = $(CLIENT_SRCS:%.c=$(BUILD)/%.o)

BINS	 = $(BUILD)/ecod $(BUILD)/ecoctl
TOOLS	 = $(TOOL_NAMES:%=$(BUILD)/tests/%)
UNITS	 = $(UNIT_NAMES:%=$(BUILD)/tests/%)

CONF	?= conf/ecod.conf

.PHONY: all deps test-deps build run test check asan fuzz torture clean

all: $(BINS) $(TOOLS) $(UNITS) $(BUILD)/tests/faultshim.so

# The dependency step: ask dpkg what is missing; apt-get only when something
# is. The tests also use faketime, to move the daemon's clock, and Go with
# golang.org/x/mod, whose sumdb/note checks our signed tree heads; the
# crash torture, Python and the sqlite3 CLI (PRAGMA integrity_check).
TEST_DEBS = faketime golang-go golang-golang-x-mod-dev python3 sqlite3

define install_missing
	@missing=""; for p in $(1); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || \
	        missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing missing packages:$$missing"; \
	    if [ "$$(id -u)" != 0 ]; then \
	        echo "deps: not root; run as root: apt-get install$$missing" >&2; exit 1; \
	    fi; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEBS))

test-deps:
	$(call install_missing,$(TEST_DEBS))

# Build after deps in a second make, so that pkg-config is asked once the packages exist.
build: deps
	@$(MAKE) --no-print-directory all

# A local instance under ./var, made once, served in the foreground.
run: build
	@mkdir -p var
	@[ -f var/data/ecod.db ] || $(BUILD)/ecod -c $(CONF) --init
	@echo "ecod: socket var/ecod.sock (Ctrl-C stops it)"
	@echo "try, in another terminal: $(BUILD)/ecoctl -s var/ecod.sock ping"
	@exec $(BUILD)/ecod -c $(CONF)

test: build test-deps
	@ECO_BUILD=$(BUILD) sh tests/run.sh

check: test

asan: deps test-deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" all
	@ECO_BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 sh tests/run.sh

# libFuzzer on the parsers of outside bytes (clang): the line format, a
# sealed note's header, signed notes and keys. FUZZ_SECONDS bounds each.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = wire notehdr checkpoint
FUZZ_CFLAGS  = -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude \
	       -fsanitize=fuzzer,address,undefined
fuzz: deps
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -o build-fuzz/fuzz_wire tests/fuzz/fuzz_wire.c \
	    common/wire.c common/xmalloc.c
	clang $(FUZZ_CFLAGS) -o build-fuzz/fuzz_notehdr \
	    tests/fuzz/fuzz_notehdr.c common/notehdr.c
	clang $(FUZZ_CFLAGS) -o build-fuzz/fuzz_checkpoint \
	    tests/fuzz/fuzz_checkpoint.c common/checkpoint.c common/merkle.c \
	    common/xmalloc.c $$(pkg-config --libs libsodium)
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p build-fuzz/corpus-$$t; \
	    build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	        build-fuzz/corpus-$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# Crash torture, the long form of tests/integration/t-torture.sh and
# t-faults.sh: SIGKILL at random under load for TORTURE_SECONDS (or
# TORTURE_ROUNDS rounds), then TORTURE_FAULTS rounds of each storage fault.
TORTURE_SECONDS ?= 600
TORTURE_ROUNDS	?= 0
TORTURE_FAULTS	?= 20
torture: build test-deps
	@ECO_BUILD=$(BUILD) TORTURE_SECONDS=$(TORTURE_SECONDS) \
	    TORTURE_ROUNDS=$(TORTURE_ROUNDS) bash tests/integration/t-torture.sh
	@ECO_BUILD=$(BUILD) TORTURE_FAULTS=$(TORTURE_FAULTS) \
	    bash tests/integration/t-faults.sh

clean:
	rm -rf build build-asan build-fuzz

$(BUILD)/ecod: $(BUILD)/daemon/ecod.o $(DAEMON_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/ecoctl: $(BUILD)/client/ecoctl.o $(CLIENT_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/rawsock: $(BUILD)/tests/tools/rawsock.o
	$(CC) $(LDFLAGS) -o $@ $^

# The storage fault shim is LD_PRELOADed into ecod: no sanitizer of its own.
$(BUILD)/tests/faultshim.so: tests/torture/faultshim.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	    -Wmissing-prototypes -O2 -g -fPIC -shared -o $@ $< -ldl

$(BUILD)/tests/dbpoke: $(BUILD)/tests/tools/dbpoke.o
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The note format is the client's: its test links the client's code.
$(BUILD)/tests/test_note: $(BUILD)/tests/unit/test_note.o \
    $(BUILD)/client/note.o $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(DAEMON_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

# Unit tests reach into the daemon's headers; nothing else does.
$(BUILD)/tests/unit/%.o: CFLAGS += -Idaemon -Iclient

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
