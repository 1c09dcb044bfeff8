# Fuzzing, malformed input and sanitizer builds (included by the top
# Makefile).  Uses BUILD, CPPFLAGS, LDLIBS and ENGINE from the includer;
# adds fuzz-regress and malformed-tests to EXTRA_CHECKS (`make check`).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="fuzz_pipeline ..."]
#                     build the libFuzzer targets with clang (ASan, UBSan)
#                     and run each for FUZZ_SECONDS, seeded from the
#                     corpora and conf/; new inputs are kept in
#                     $(BUILD)/fuzz/corpus/TARGET, crashes in
#                     $(BUILD)/fuzz/artifacts/TARGET
#                     targets: fuzz_pipeline (messages), fuzz_config,
#                     fuzz_rules, fuzz_prefilter (pattern + text: the
#                     prefilter must never rule out a real match); see
#                     tests/fuzz/README.md
#   make fuzz-regress replay tests/fuzz/regress/TARGET/* through each
#                     target (seconds; skipped with a message when clang's
#                     libFuzzer is not installed)
#   make malformed-tests
#                     tests/fuzz/malformed.sh: hostile messages through
#                     $(BUILD)/care-check: a verdict or a clear error, in
#                     time and memory, never a crash
#   make sanitize     rebuild with -fsanitize=address,undefined into
#                     build-asan and run the unit, corpus, contract and
#                     malformed tests there
#
# A crash found by `make fuzz` is fixed in the engine and its input kept
# as tests/fuzz/regress/TARGET/NAME so that fuzz-regress replays it.

FUZZ_SRC      := tests/fuzz
FUZZ_DIR       = $(BUILD)/fuzz
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_NICE     ?= 19
FUZZ_TARGETS  ?= fuzz_pipeline fuzz_config fuzz_rules fuzz_prefilter
FUZZ_SANITIZE  = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS    = -g -O1 -fno-omit-frame-pointer $(FUZZ_SANITIZE)
# The engine's modules (the Makefile's ENGINE: no front end, no libmilter
# callbacks), those whose source exists.
FUZZ_OBJS      = $(patsubst milter/%.c,$(FUZZ_DIR)/obj/%.o,\
                   $(wildcard $(ENGINE:%=milter/%.c)))
# Run options: every target gets the same bounds; the pipeline target
# takes whole messages.
FUZZ_OPTS      = -rss_limit_mb=2048 -timeout=10
FUZZ_OPTS_fuzz_pipeline = -max_len=300000 -dict=$(FUZZ_SRC)/mime.dict
FUZZ_OPTS_fuzz_config   = -max_len=16384 -dict=$(FUZZ_SRC)/config.dict
FUZZ_OPTS_fuzz_rules    = -max_len=65536 -dict=$(FUZZ_SRC)/rules.dict
FUZZ_OPTS_fuzz_prefilter = -max_len=8192 -dict=$(FUZZ_SRC)/rules.dict
FUZZ_SEEDS_fuzz_pipeline = $(wildcard tests/corpus/*.eml tests/heldout/*.eml \
                           tests/fixtures/email_reply_trimmer/emails/*)
FUZZ_SEEDS_fuzz_config   = $(wildcard conf/*.conf)
FUZZ_SEEDS_fuzz_rules    = $(wildcard conf/rules/*.rules)
FUZZ_ENV       = CARE_TOP=$(CURDIR) ASAN_OPTIONS=detect_leaks=1 \
                 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# Test tools: the fuzzers need clang and its sanitizer runtimes, the
# malformed tests GNU time for the memory bound.
TEST_DEBS += clang libclang-rt-14-dev time

EXTRA_CHECKS += fuzz-regress malformed-tests

.PHONY: fuzz fuzz-build fuzz-regress malformed-tests sanitize

$(FUZZ_DIR)/obj/%.o: milter/%.c include/*.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: $(FUZZ_SRC)/fuzz_%.c $(FUZZ_SRC)/fuzz_common.h $(FUZZ_OBJS)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_OBJS) $(LDLIBS)

.PRECIOUS: $(FUZZ_DIR)/obj/%.o

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

# Seeds are copied at run time from where they live; the corpus each
# run grows stays in $(FUZZ_DIR)/corpus.
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	    rm -rf $(FUZZ_DIR)/seeds/$$t; \
	    mkdir -p $(FUZZ_DIR)/seeds/$$t $(FUZZ_DIR)/corpus/$$t \
	        $(FUZZ_DIR)/artifacts/$$t $(FUZZ_DIR)/tmp; \
	    case $$t in \
	    fuzz_pipeline) seeds="$(FUZZ_SEEDS_fuzz_pipeline)"; \
	        opts="$(FUZZ_OPTS_fuzz_pipeline)";; \
	    fuzz_config) seeds="$(FUZZ_SEEDS_fuzz_config)"; \
	        opts="$(FUZZ_OPTS_fuzz_config)";; \
	    fuzz_rules) seeds="$(FUZZ_SEEDS_fuzz_rules)"; \
	        opts="$(FUZZ_OPTS_fuzz_rules)";; \
	    fuzz_prefilter) seeds=; opts="$(FUZZ_OPTS_fuzz_prefilter)"; \
	        awk -v dir=$(FUZZ_DIR)/seeds/$$t \
	            -f $(FUZZ_SRC)/prefilter-seeds.awk conf/rules/*.rules;; \
	    esac; \
	    for f in $$seeds; do \
	        cp "$$f" "$(FUZZ_DIR)/seeds/$$t/$$(echo "$$f" | tr / _)"; \
	    done; \
	    echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	    $(FUZZ_ENV) TMPDIR=$(CURDIR)/$(FUZZ_DIR)/tmp nice -n $(FUZZ_NICE) \
	        $(FUZZ_DIR)/$$t $(FUZZ_OPTS) $$opts \
	        -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t/ \
	        $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/seeds/$$t \
	        $(FUZZ_SRC)/regress/$$t \
	    || { echo "fuzz: $$t failed; the input is in" \
	        "$(FUZZ_DIR)/artifacts/$$t/: fix the engine and keep the input" \
	        "as $(FUZZ_SRC)/regress/$$t/NAME" >&2; exit 1; }; \
	done

# Every kept input, once, through its target.
fuzz-regress:
	@if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)' \
	    '{ (void)d; (void)n; return 0; }' | \
	    $(FUZZ_CC) -x c -fsanitize=fuzzer,address,undefined -o /dev/null - \
	    >/dev/null 2>&1; then \
	    echo "fuzz-regress: skipped: $(FUZZ_CC) cannot build libFuzzer" \
	        "targets (install clang libclang-rt-14-dev)"; \
	    exit 0; \
	fi; \
	$(MAKE) --no-print-directory fuzz-build >/dev/null || exit 1; \
	n=0; for t in $(FUZZ_TARGETS); do \
	    files=$$(find $(FUZZ_SRC)/regress/$$t -type f ! -name '.*' | sort); \
	    [ -n "$$files" ] || continue; \
	    $(FUZZ_ENV) $(FUZZ_DIR)/$$t $(FUZZ_OPTS) $$files \
	        >$(FUZZ_DIR)/regress-$$t.log 2>&1 || \
	        { tail -40 $(FUZZ_DIR)/regress-$$t.log; \
	          echo "fuzz-regress: $$t failed (log: $(FUZZ_DIR)/regress-$$t.log)"; \
	          exit 1; }; \
	    n=$$((n + $$(echo "$$files" | wc -l))); \
	done; echo "fuzz-regress: $$n inputs replayed, no failure"

malformed-tests: $(BUILD)/care-check
	sh $(FUZZ_SRC)/malformed.sh $(BUILD)/care-check conf/care-milter.conf

# gcc's sanitizers, the whole build, the tests that exist.
SANITIZE_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
SANITIZE_TESTS = $(if $(wildcard tests/unit/test_*.c),unit-tests) corpus-tests \
                 $(if $(wildcard tests/contract/run.sh),contract-tests) \
                 malformed-tests \
                 $(if $(wildcard tests/milter/run-e2e.sh),milter-protocol-tests milter-e2e-tests)

# Check's 4 s per test is too short for an instrumented build; valgrind
# cannot run an ASan binary, so the end-to-end test skips its memcheck
# step here (make check runs it on the plain build).
sanitize:
	ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-10} \
	E2E_VALGRIND=0 \
	$(MAKE) --no-print-directory BUILD=build-asan \
	    CFLAGS='$(SANITIZE_FLAGS) -std=c11 -Wall -Wextra' \
	    LDFLAGS='-fsanitize=address,undefined' \
	    $(SANITIZE_TESTS)
	@echo "sanitize: $(SANITIZE_TESTS) passed under ASan and UBSan"
