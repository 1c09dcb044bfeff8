# care-milter - build, install, run, check, bench.
#
#   make            build the three programs into build/
#   make run        install what is missing, build, run care-milter in the
#                   foreground on 127.0.0.1:8891 with the bundled config
#   make check      install what is missing, build, run every test
#   make accuracy   precision and recall over the labelled corpus
#   make bench      benchmarks (not part of check)
#   make install    PREFIX=/usr/local SYSCONFDIR=/etc/care-milter DESTDIR=
#
# Tests that need services (Postfix) start and stop them themselves.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc/care-milter
UNITDIR    ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d
DESTDIR    ?=

BUILD      ?= build
CC         ?= gcc
PKGS        = gmime-3.0 libpcre2-8 milter sqlite3
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS  = $(shell pkg-config --libs check 2>/dev/null)

CFLAGS     ?= -O2 -g
CFLAGS     += -std=c11 -Wall -Wextra -Werror
CPPFLAGS   += -D_GNU_SOURCE -Iinclude -DCARE_SYSCONFDIR='"$(SYSCONFDIR)"' $(PKG_CFLAGS)
LDLIBS     += $(PKG_LIBS) -lpthread

# The engine, shared by the three front ends (DESIGN.md's pipeline).
ENGINE = util log care config prefilter rules html trim extract scope analyze \
         policy report pipeline journal mta
ENGINE_OBJS = $(ENGINE:%=$(BUILD)/%.o)
PROGS = $(BUILD)/care-check $(BUILD)/care-milter $(BUILD)/care-review

# Debian packages: to build, and to run the tests.
BUILD_DEBS = gcc make pkg-config libc6-dev libmilter-dev libgmime-3.0-dev \
             libpcre2-dev libsqlite3-dev check
TEST_DEBS  = postfix miltertest jq sqlite3 valgrind swaks procps iproute2 \
             systemd python3

.PHONY: all deps run check accuracy bench install clean unit-tests \
        corpus-tests contract-tests

all: $(PROGS)

# Install the Debian packages that are missing, and only those.
deps:
	@sh tests/deps.sh $(BUILD_DEBS) $(TEST_DEBS)

$(BUILD):
	@mkdir -p $(BUILD)

$(BUILD)/%.o: milter/%.c include/*.h | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libcare.a: $(ENGINE_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/care-check: $(BUILD)/care-check.o $(BUILD)/libcare.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/care-milter: $(BUILD)/care-milter.o $(BUILD)/callbacks.o $(BUILD)/libcare.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/care-review: $(BUILD)/care-review.o $(BUILD)/libcare.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# ---- running ----------------------------------------------------------

RUN_SOCKET ?= inet:8891@127.0.0.1

$(BUILD)/run.conf: conf/care-milter.conf | $(BUILD)
	{ cat conf/care-milter.conf; \
	  echo "# make run: the bundled configuration, on loopback"; \
	  echo "Socket $(RUN_SOCKET)"; \
	  echo "RuleFiles $(CURDIR)/conf/rules/en.rules $(CURDIR)/conf/rules/trim.rules"; \
	  echo "Journal $(CURDIR)/$(BUILD)/journal.db"; \
	  echo "PidFile none"; echo "Syslog no"; } > $@

run: deps
	@$(MAKE) --no-print-directory all $(BUILD)/run.conf
	$(BUILD)/care-milter -f -c $(BUILD)/run.conf

# ---- tests ------------------------------------------------------------

UNIT_TESTS = $(wildcard tests/unit/test_*.c)

$(BUILD)/unit-tests: $(UNIT_TESTS) tests/unit/unit.h $(BUILD)/libcare.a
	$(CC) $(CPPFLAGS) $(CHECK_CFLAGS) $(CFLAGS) -o $@ $(UNIT_TESTS) \
	    $(BUILD)/libcare.a $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/care-accuracy: tests/accuracy.c $(BUILD)/libcare.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $^ $(LDLIBS)

unit-tests: $(BUILD)/unit-tests
	cd tests && CARE_TOP=$(CURDIR) ../$(BUILD)/unit-tests

accuracy: all $(BUILD)/care-accuracy
	$(BUILD)/care-accuracy -c conf/care-milter.conf tests/corpus
	@echo
	@echo "held-out set (never tuned on):"
	$(BUILD)/care-accuracy -c conf/care-milter.conf --report-only tests/heldout

corpus-tests: all $(BUILD)/care-accuracy
	$(BUILD)/care-accuracy -c conf/care-milter.conf --min-element 0.95 \
	    --min-issue 0.90 --min-scope 0.95 tests/corpus

contract-tests: all
	sh tests/contract/run.sh $(BUILD)

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-all

# Each test area brings its own fragment; it adds its targets to
# EXTRA_CHECKS when they belong in make check.
-include $(sort $(wildcard tests/*/*.mk))

test-all: unit-tests corpus-tests contract-tests $(EXTRA_CHECKS)
	@echo "care-milter: all tests passed"

$(BUILD)/engine-bench: tests/bench/engine-bench.c $(BUILD)/libcare.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The milter against null-milter over the protocol, then the engine
# alone against GMime parsing alone: over the labelled replies (small,
# mostly text: the engine's hardest case) and over the load test's mixed
# corpus (the same generator and seed as run-bench.sh).  Not part of check.
bench: deps
	@$(MAKE) --no-print-directory all bench-tools $(BUILD)/engine-bench
	sh tests/bench/run-bench.sh $(BUILD) $(BUILD)/care-milter conf/care-milter.conf
	@echo
	@echo "engine alone (one process, messages in memory), labelled replies:"
	$(BUILD)/engine-bench -c conf/care-milter.conf -r 15 tests/corpus tests/heldout
	@echo
	@echo "engine alone, the load test's mixed corpus:"
	@rm -rf $(BUILD)/bench-corpus
	@python3 tests/bench/mkcorpus.py $(BUILD)/bench-corpus
	$(BUILD)/engine-bench -c conf/care-milter.conf -r 15 $(BUILD)/bench-corpus/mixed

# ---- install ----------------------------------------------------------

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/rules $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 755 $(BUILD)/care-milter $(DESTDIR)$(SBINDIR)/care-milter
	install -m 755 $(BUILD)/care-check $(BUILD)/care-review $(DESTDIR)$(BINDIR)/
	test -e $(DESTDIR)$(SYSCONFDIR)/care-milter.conf || \
	    install -m 644 conf/care-milter.conf $(DESTDIR)$(SYSCONFDIR)/care-milter.conf
	install -m 644 conf/rules/*.rules $(DESTDIR)$(SYSCONFDIR)/rules/
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	sed 's|@SBINDIR@|$(SBINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    systemd/care-milter.service > $(DESTDIR)$(UNITDIR)/care-milter.service
	install -m 644 systemd/care-milter.sysusers $(DESTDIR)$(SYSUSERSDIR)/care-milter.conf
	install -m 644 systemd/care-milter.tmpfiles $(DESTDIR)$(TMPFILESDIR)/care-milter.conf

clean:
	rm -rf $(BUILD)
