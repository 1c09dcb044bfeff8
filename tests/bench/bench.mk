# Benchmark tools (included by the top Makefile).
# Uses CC, CPPFLAGS, CFLAGS, LDFLAGS and BUILD from the includer, and adds
# bench-smoke to EXTRA_CHECKS (run by `make check`).
#
#   make bench-tools   build $(BUILD)/milter-load and $(BUILD)/null-milter
#   make bench-smoke   null-milter + milter-load, 2 connections x 5 messages
#                      over a unix socket; fails on any protocol error
#
# The full benchmark is tests/bench/run-bench.sh BUILD CARE_MILTER CONF,
# called by the top Makefile's `bench` target.

BENCH_DIR     := tests/bench
BENCH_MILTER_CFLAGS := $(shell pkg-config --cflags milter 2>/dev/null)
BENCH_MILTER_LIBS   := $(shell pkg-config --libs milter 2>/dev/null || echo -lmilter)

$(BUILD)/milter-load: $(BENCH_DIR)/milter-load.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(BENCH_MILTER_CFLAGS) -o $@ $< $(LDFLAGS) -pthread

$(BUILD)/null-milter: $(BENCH_DIR)/null-milter.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(BENCH_MILTER_CFLAGS) -o $@ $< $(LDFLAGS) \
	    $(BENCH_MILTER_LIBS) -pthread

EXTRA_CHECKS += bench-smoke

.PHONY: bench-tools bench-smoke
bench-tools: $(BUILD)/milter-load $(BUILD)/null-milter

bench-smoke: bench-tools
	sh $(BENCH_DIR)/bench-smoke.sh $(BUILD)
