# ECO scheduler: ecod (daemon) and ecoctl (client).
#
#   make run    install missing build dependencies, build, start a local instance under ./var
#   make test   install missing build dependencies, build, run every test
#   make bench  build, then run the benchmark (tests/bench/, docs/PERFORMANCE.md)
#   make asan   the same tests under AddressSanitizer and UndefinedBehaviorSanitizer
#   make install  binaries, unit, config under DESTDIR, PREFIX (docs/OPERATIONS.md)
#   make clean  remove build output (./var, the local instance, is kept)

# libbsd-dev for its header <bsd/sys/tree.h> only (the schedule's indexes);
# gettext for msgfmt, which compiles the Spanish catalogue (po/).
DEBS	 = libevent-dev libsqlite3-dev libsodium-dev libconfig-dev libcmocka-dev pkg-config \
	   libbsd-dev gettext
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
	      common/notehdr.c common/msghdr.c common/code.c common/merkle.c \
	      common/checkpoint.c common/i18n.c
DAEMON_SRCS = daemon/log.c daemon/config.c daemon/seal.c daemon/store.c daemon/instance.c \
	      daemon/keys.c daemon/server.c daemon/cmd.c daemon/cmd-misc.c \
	      daemon/rec.c daemon/timeutil.c daemon/sched.c daemon/booking.c \
	      daemon/index.c \
	      daemon/cmd-auth.c daemon/cmd-sched.c daemon/notes.c daemon/cmd-notes.c \
	      daemon/messages.c daemon/cmd-msg.c \
	      daemon/audit.c daemon/tiles.c daemon/cmd-audit.c daemon/cmd-admin.c daemon/backup.c \
	      daemon/rotate.c
CLIENT_SRCS = client/conn.c client/cmd-misc.c client/cmd-keys.c \
	      client/cmd-admin.c \
	      client/cmd-sched.c client/keyfile.c client/ical.c client/note.c \
	      client/msg.c client/cmd-msg.c \
	      client/cmd-notes.c client/cmd-audit.c client/reply.c \
	      client/auditfile.c client/cmd-backup.c client/human.c client/info.c \
	      client/out.c client/cmd-worker.c client/reason.c client/shell.c
TOOL_NAMES  = rawsock dbpoke ecoload keyprobe
UNIT_NAMES  = test_wire test_seal test_store test_config test_time test_code \
	      test_note test_merkle test_keyfile test_msg

COMMON_OBJS = $(COMMON_SRCS:%.c=$(BUILD)/%.o)
DAEMON_OBJS = $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
CLIENT_OBJS = $(CLIENT_SRCS:%.c=$(BUILD)/%.o)

BINS	 = $(BUILD)/ecod $(BUILD)/ecoctl
TOOLS	 = $(TOOL_NAMES:%=$(BUILD)/tests/%)
UNITS	 = $(UNIT_NAMES:%=$(BUILD)/tests/%)
BENCHES	 = $(BUILD)/tests/ecobench $(BUILD)/tests/benchfill

CONF	?= conf/ecod.conf

# Where `make install` puts things. The unit, sysusers.d and tmpfiles.d
# snippets go where systemd looks under PREFIX (it looks in /usr/local/lib
# and /usr/lib); the configuration under SYSCONFDIR whatever the PREFIX.
PREFIX	?= /usr/local
DESTDIR	?=
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DOCDIR	?= $(PREFIX)/share/doc/ecod
SYSCONFDIR ?= /etc
UNITDIR	?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
LOCALEDIR ?= $(PREFIX)/share/locale
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

# The message catalogues (po/LANG.po), compiled beside the binaries, where
# ecoctl and ecod look first (common/i18n.c), and installed under LOCALEDIR.
LINGUAS	 = es
MOS	 = $(LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/ecoctl.mo)
# Man pages: section 1 for ecoctl, 5 for ecod.conf, 8 for ecod, in English
# under man/ and translated under man/LANG/ for each of MAN_LINGUAS; make
# install puts them in MANDIR/manN and MANDIR/LANG/manN.
MAN1	 = man/ecoctl.1
MAN5	 = man/ecod.conf.5
MAN8	 = man/ecod.8
MAN_LINGUAS = es
MANS	 = $(MAN1) $(MAN5) $(MAN8) \
	   $(foreach l,$(MAN_LINGUAS),$(patsubst man/%,man/$(l)/%,$(MAN1) $(MAN5) $(MAN8)))
# "man/es/ecod.8:es/man8": each page and its folder under MANDIR.
MAN_PAIRS = $(foreach m,$(MANS),$(m):$(patsubst man/%,%,$(dir $(m)))man$(subst .,,$(suffix $(m))))

.PHONY: all deps test-deps build run test check asan fuzz torture clean \
	install uninstall bench pot pot-check

all: $(BINS) $(MOS) $(TOOLS) $(UNITS) $(BENCHES) $(BUILD)/tests/faultshim.so

# The dependency step: ask dpkg what is missing; apt-get only when something
# is. The tests also use faketime, to move the daemon's clock, and Go with
# golang.org/x/mod, whose sumdb/note checks our signed tree heads;
# python3-nacl, which signs raw logins in t-args; clang with its
# sanitizer and libFuzzer runtimes, for the fuzz targets; for the
# install test, systemd (systemd-analyze) and strace; for the crash
# torture, Python and the sqlite3 CLI (PRAGMA integrity_check); for the
# calendar exports, python3-icalendar, which parses them as calendars do;
# and for the man pages' test, groff-base (all that groff -ww -z -man
# needs) and man-db (man -l).
TEST_DEBS = faketime golang-go golang-golang-x-mod-dev python3-nacl \
	    clang libclang-rt-14-dev systemd strace python3 sqlite3 \
	    python3-icalendar groff-base man-db

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
	@echo "ecod: socket $(CURDIR)/var/ecod.sock (Ctrl-C stops it)"
	@echo "try, in another terminal: export PATH=\"$(CURDIR)/$(BUILD):\$$PATH\" ECO_SOCKET=\"$(CURDIR)/var/ecod.sock\"; ecoctl ping"
	@exec $(BUILD)/ecod -c $(CONF)

test: build test-deps
	@ECO_BUILD=$(BUILD) sh tests/run.sh

check: test

# The benchmark: not part of test (t-bench.sh runs a tiny form of it).
bench: build
	@ECO_BUILD=$(BUILD) sh tests/bench/bench.sh

# The tests see the same OPT and SAN, so a make they run (t-install's
# make install) never rebuilds build-asan without the sanitizers.
ASAN_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
asan: deps test-deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	    SAN="$(ASAN_SAN)" all
	@ECO_BUILD=build-asan OPT=-O1 SAN="$(ASAN_SAN)" \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 sh tests/run.sh

# libFuzzer (clang, with ASan and UBSan) on every decoder of bytes from
# outside. A target NAME is "FUZZ_TARGETS += NAME" and "FUZZ_NAME_SRCS =
# tests/fuzz/fuzz_NAME.c <sources>"; its seed corpus is in
# tests/fuzz/corpus/NAME/, its dictionary, if any, tests/fuzz/NAME.dict.
# One rule at the end of this file builds build-fuzz/fuzz_NAME for each.
# make fuzz runs each for FUZZ_SECONDS on a fresh working corpus under
# build-fuzz/ seeded from the committed one (tests/fuzz/run.sh); make test
# runs each for a few seconds (tests/integration/t-fuzz.sh).
FUZZ_SECONDS ?= 60
FUZZ_DIR     = build-fuzz
FUZZ_CC	     = clang
FUZZ_CFLAGS  = -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
	       -Wno-unused-parameter -Iinclude -Idaemon -Iclient -Itests/fuzz \
	       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	       $(PKG_CFLAGS)
FUZZ_LIBS    = $(PKG_LIBS)

# The request line, as the daemon splits it.
FUZZ_TARGETS += wire
FUZZ_wire_SRCS = tests/fuzz/fuzz_wire.c common/wire.c common/xmalloc.c
# A sealed note's public header, parsed by the daemon from uploads.
FUZZ_TARGETS += notehdr
FUZZ_notehdr_SRCS = tests/fuzz/fuzz_notehdr.c common/notehdr.c
# A case message's public header, parsed by the daemon from MSG-POST etc.
FUZZ_TARGETS += msghdr
FUZZ_msghdr_SRCS = tests/fuzz/fuzz_msghdr.c common/msghdr.c common/notehdr.c
# Signed tree heads, checkpoints and verifier keys.
FUZZ_TARGETS += checkpoint
FUZZ_checkpoint_SRCS = tests/fuzz/fuzz_checkpoint.c common/checkpoint.c \
	       common/merkle.c common/xmalloc.c
# The row decoder under every table's layout.
FUZZ_TARGETS += rec
FUZZ_rec_SRCS = tests/fuzz/fuzz_rec.c daemon/rec.c common/notehdr.c \
	       common/xmalloc.c
# Sealed rows opened under a test key, then decoded.
FUZZ_TARGETS += seal
FUZZ_seal_SRCS = tests/fuzz/fuzz_seal.c daemon/seal.c daemon/rec.c \
	       common/notehdr.c common/xmalloc.c
# Booking codes as typed.
FUZZ_TARGETS += code
FUZZ_code_SRCS = tests/fuzz/fuzz_code.c common/code.c
# Local times as sent, in zones with clock changes.
FUZZ_TARGETS += time
FUZZ_time_SRCS = tests/fuzz/fuzz_time.c daemon/timeutil.c
# Key files: the parse step, then a cheap unlock.
FUZZ_TARGETS += keyfile
FUZZ_keyfile_SRCS = tests/fuzz/fuzz_keyfile.c client/keyfile.c \
	       common/xmalloc.c
# Sealed, signed notes opened and verified with test keys.
FUZZ_TARGETS += note
FUZZ_note_SRCS = tests/fuzz/fuzz_note.c client/note.c common/notehdr.c \
	       common/xmalloc.c
# A passphrase read from a file.
FUZZ_TARGETS += passphrase
FUZZ_passphrase_SRCS = tests/fuzz/fuzz_passphrase.c common/passphrase.c \
	       common/xmalloc.c

# The client's decoders: the daemon's reply lines, an audit export, the
# auditor's state file.
FUZZ_TARGETS += reply
FUZZ_reply_SRCS = tests/fuzz/fuzz_reply.c client/reply.c common/wire.c \
	       common/xmalloc.c
FUZZ_TARGETS += auditfile
FUZZ_auditfile_SRCS = tests/fuzz/fuzz_auditfile.c client/auditfile.c \
	       common/checkpoint.c common/merkle.c common/wire.c common/xmalloc.c
FUZZ_TARGETS += auditstate
FUZZ_auditstate_SRCS = tests/fuzz/fuzz_auditstate.c client/auditfile.c \
	       common/checkpoint.c common/merkle.c common/wire.c common/xmalloc.c

.PHONY: fuzz-build fuzz-targets fuzz-list fuzz-seeds

# Build after deps in a second make, as for build.
fuzz-build: deps test-deps
	@$(MAKE) --no-print-directory fuzz-targets

fuzz-targets: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
	@:

fuzz-list:
	@echo $(FUZZ_TARGETS)

fuzz: fuzz-build
	@fail=0; for t in $(FUZZ_TARGETS); do \
	    sh tests/fuzz/run.sh $$t $(FUZZ_SECONDS) || fail=1; \
	done; exit $$fail

# Remakes the generated seeds (real rows, codes, notes, key files) in
# tests/fuzz/corpus/ with the code itself; the result is committed.
fuzz-seeds: deps
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -Iinclude -Idaemon -Iclient \
	    $(PKG_CFLAGS) -o $(FUZZ_DIR)/mkseeds tests/fuzz/mkseeds.c \
	    daemon/seal.c daemon/rec.c common/code.c client/note.c client/msg.c client/cmd-msg.c \
	    client/keyfile.c common/notehdr.c common/checkpoint.c \
	    common/merkle.c common/xmalloc.c $(PKG_LIBS)
	$(FUZZ_DIR)/mkseeds tests/fuzz/corpus

# Crash torture, the long form of tests/integration/t-torture.sh and
# t-faults.sh: SIGKILL at random under load for TORTURE_SECONDS (or
# TORTURE_ROUNDS rounds), then TORTURE_FAULTS rounds of each storage fault,
# then ROTATE_ROUNDS master-key rotations killed at random.
TORTURE_SECONDS ?= 600
TORTURE_ROUNDS	?= 0
TORTURE_FAULTS	?= 20
ROTATE_ROUNDS	?= 200
torture: build test-deps
	@ECO_BUILD=$(BUILD) TORTURE_SECONDS=$(TORTURE_SECONDS) \
	    TORTURE_ROUNDS=$(TORTURE_ROUNDS) bash tests/integration/t-torture.sh
	@ECO_BUILD=$(BUILD) TORTURE_FAULTS=$(TORTURE_FAULTS) \
	    bash tests/integration/t-faults.sh
	@ECO_BUILD=$(BUILD) ROTATE_ROUNDS=$(ROTATE_ROUNDS) \
	    bash tests/integration/t-rotate.sh

clean:
	rm -rf build build-asan $(FUZZ_DIR)

# Installs binaries, unit and snippets; the example configuration with the
# system's paths, unless one is there already (it is never overwritten).
install: $(BINS) $(MOS)
	install -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DOCDIR)
	install -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/ecod
	install -m 0755 $(BUILD)/ecod $(DESTDIR)$(SBINDIR)/ecod
	install -m 0755 $(BUILD)/ecoctl $(DESTDIR)$(BINDIR)/ecoctl
	sed -e 's|/usr/local/sbin/|$(SBINDIR)/|g' \
	    -e 's|/usr/local/share/doc/ecod/|$(DOCDIR)/|g' \
	    -e 's|/etc/ecod/|$(SYSCONFDIR)/ecod/|g' conf/ecod.service \
	    > $(DESTDIR)$(UNITDIR)/ecod.service.tmp
	chmod 0644 $(DESTDIR)$(UNITDIR)/ecod.service.tmp
	mv -f $(DESTDIR)$(UNITDIR)/ecod.service.tmp \
	    $(DESTDIR)$(UNITDIR)/ecod.service
	for u in ecod-backup.service ecod-backup.timer; do \
	    sed -e 's|/usr/local/bin/|$(BINDIR)/|g' \
	        -e 's|/usr/local/share/doc/ecod/|$(DOCDIR)/|g' conf/$$u \
	        > $(DESTDIR)$(UNITDIR)/$$u.tmp && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.tmp && \
	    mv -f $(DESTDIR)$(UNITDIR)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 conf/ecod.sysusers $(DESTDIR)$(SYSUSERSDIR)/ecod.conf
	sed -e 's|/etc/ecod |$(SYSCONFDIR)/ecod |' conf/ecod.tmpfiles \
	    > $(DESTDIR)$(TMPFILESDIR)/ecod.conf
	chmod 0644 $(DESTDIR)$(TMPFILESDIR)/ecod.conf
	install -m 0644 README.md docs/OPERATIONS.md $(DESTDIR)$(DOCDIR)/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/ecod/ecod.conf ]; then \
	    echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/ecod/ecod.conf"; \
	else \
	    sed -e 's|"\.\./var/ecod\.sock"|"/run/ecod/ecod.sock"|' \
	        -e 's|"\.\./var/data"|"/var/lib/ecod"|' \
	        -e 's|"\.\./var/master\.key"|"/var/lib/ecod-keys/master.key"|' \
	        -e 's|Estos valores son los de$$|Estos valores los puso|' \
	        -e 's|^# `make run`, con rutas bajo \./var\. Una ruta relativa|# `make install`, con rutas del sistema. Una ruta relativa|' \
	        conf/ecod.conf > $(DESTDIR)$(SYSCONFDIR)/ecod/ecod.conf.tmp && \
	    chmod 0644 $(DESTDIR)$(SYSCONFDIR)/ecod/ecod.conf.tmp && \
	    mv $(DESTDIR)$(SYSCONFDIR)/ecod/ecod.conf.tmp \
	        $(DESTDIR)$(SYSCONFDIR)/ecod/ecod.conf; \
	fi
	install -D -m 0644 completion/ecoctl.bash $(DESTDIR)$(BASHCOMPDIR)/ecoctl
	@for l in $(LINGUAS); do install -D -m 0644 \
	    $(BUILD)/locale/$$l/LC_MESSAGES/ecoctl.mo \
	    $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/ecoctl.mo || exit 1; done
	@# The man pages, with the paths of the docs and catalogues as installed.
	@for p in $(MAN_PAIRS); do \
	    m=$${p%%:*} d=$(DESTDIR)$(MANDIR)/$${p#*:}; b=$$(basename $$m); \
	    install -d -m 0755 $$d && \
	    sed -e 's|/usr/local/share/doc/ecod|$(DOCDIR)|g' \
	        -e 's|/usr/local/share/locale|$(LOCALEDIR)|g' $$m > $$d/$$b.tmp && \
	    chmod 0644 $$d/$$b.tmp && mv -f $$d/$$b.tmp $$d/$$b || exit 1; \
	done

# Removes what install put there, except the configuration, the key and
# the data: an instance outlives its binaries.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ecod $(DESTDIR)$(BINDIR)/ecoctl \
	    $(DESTDIR)$(UNITDIR)/ecod.service \
	    $(DESTDIR)$(UNITDIR)/ecod-backup.service \
	    $(DESTDIR)$(UNITDIR)/ecod-backup.timer \
	    $(DESTDIR)$(SYSUSERSDIR)/ecod.conf \
	    $(DESTDIR)$(TMPFILESDIR)/ecod.conf \
	    $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/OPERATIONS.md
	rm -f $(DESTDIR)$(BASHCOMPDIR)/ecoctl
	@for l in $(LINGUAS); do \
	    rm -f $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/ecoctl.mo; done
	@for p in $(MAN_PAIRS); do m=$${p%%:*}; \
	    rm -f $(DESTDIR)$(MANDIR)/$${p#*:}/$$(basename $$m); done
	-rmdir $(DESTDIR)$(DOCDIR)

$(BUILD)/locale/%/LC_MESSAGES/ecoctl.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt -c -o $@ $<

$(BUILD)/common/i18n.o: CFLAGS += -DLOCALEDIR='"$(LOCALEDIR)"'

# The formats of the daemon's ERR reasons, as C strings, for the client to
# match a reason against and translate (client/reason.c).
$(BUILD)/client/reasons.inc: $(DAEMON_SRCS) daemon/ecod.c
	@mkdir -p $(dir $@)
	xgettext --language=C --from-code=UTF-8 --keyword= \
	    --keyword=client_err:3 --keyword=sched_errf:3 --keyword=N_ \
	    --no-wrap --omit-header -o - $(sort $(DAEMON_SRCS)) | \
	    awk '/^#, c-format/ { f = 1 } /^msgid "/ { if (f) print substr($$0, 7) ","; f = 0 }' \
	    > $@.tmp && mv $@.tmp $@
$(BUILD)/client/reason.o: $(BUILD)/client/reasons.inc
$(BUILD)/client/reason.o: CFLAGS += -I$(BUILD)/client

# The template of every message for people: remade by `make pot`, which
# also merges it into each po/LANG.po. t-i18n checks that it is current.
XGETTEXT_FLAGS = --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ \
	--keyword=ngettext:1,2 --keyword=ctl_fail --keyword=ctl_passphrase:2 \
	--keyword=ctl_unlock:3 --keyword=log_warn --keyword=log_warnx \
	--keyword=log_info --keyword=log_debug --keyword=fatal --keyword=fatalx \
	--keyword=config_fail:5 --keyword=client_err:3 --keyword=sched_errf:3 \
	--add-comments=TRANSLATORS: --package-name=ecoctl \
	--package-version=$(shell sed -n 's/^\#define ECO_VERSION[^"]*"\(.*\)"/\1/p' include/proto.h) \
	--msgid-bugs-address="the ECO developers" --sort-by-file
POT_SRCS = $(sort $(wildcard client/*.c client/*.h common/*.c daemon/*.c include/*.h))
pot:
	xgettext $(XGETTEXT_FLAGS) -o po/ecoctl.pot $(POT_SRCS)
	@for l in $(LINGUAS); do msgmerge --quiet --update --backup=none \
	    --no-fuzzy-matching po/$$l.po po/ecoctl.pot && \
	    msgattrib --no-obsolete -o po/$$l.po po/$$l.po || exit 1; done

# Fails if po/ecoctl.pot is not what the sources give (t-i18n).
pot-check:
	@mkdir -p $(BUILD)
	@xgettext $(XGETTEXT_FLAGS) -o $(BUILD)/ecoctl.pot $(POT_SRCS)
	@diff -I '^"POT-Creation-Date:' po/ecoctl.pot $(BUILD)/ecoctl.pot

$(BUILD)/ecod: $(BUILD)/daemon/ecod.o $(DAEMON_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(PKG_LIBS)

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

# Counts the rows a key opens, with the daemon's seal.c.
$(BUILD)/tests/keyprobe: $(BUILD)/tests/tools/keyprobe.o \
    $(BUILD)/daemon/seal.o $(BUILD)/daemon/store.o $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/tests/tools/keyprobe.o: CFLAGS += -Idaemon

$(BUILD)/tests/ecoload: $(BUILD)/tests/tools/ecoload.o
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/ecobench: $(BUILD)/tests/bench/ecobench.o
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The bench's instance is built with the daemon's own code.
$(BUILD)/tests/benchfill: $(BUILD)/tests/bench/benchfill.o $(DAEMON_OBJS) \
    $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/bench/benchfill.o: CFLAGS += -Idaemon

# The note format is the client's: its test links the client's code.
$(BUILD)/tests/test_note: $(BUILD)/tests/unit/test_note.o \
    $(BUILD)/client/note.o $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

# So is the case message format.
$(BUILD)/tests/test_msg: $(BUILD)/tests/unit/test_msg.o \
    $(BUILD)/client/msg.o $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

# So is the key file format.
$(BUILD)/tests/test_keyfile: $(BUILD)/tests/unit/test_keyfile.o \
    $(BUILD)/client/keyfile.o $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(DAEMON_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

# Unit tests reach into the daemon's headers; nothing else does.
$(BUILD)/tests/unit/%.o: CFLAGS += -Idaemon -Iclient

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# One rule for every fuzz target: build-fuzz/fuzz_NAME from FUZZ_NAME_SRCS.
# Second expansion lets targets be added anywhere above.
.SECONDEXPANSION:
$(FUZZ_DIR)/fuzz_%: $$(FUZZ_$$*_SRCS) $$(wildcard include/*.h daemon/*.h \
    client/*.h tests/fuzz/*.h)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_$*_SRCS) $(FUZZ_LIBS)
