# Milter tests (included by the top Makefile: -include tests/milter/milter.mk).
# Uses BUILD from the includer and adds its targets to EXTRA_CHECKS, which
# `make check` runs.
#
#   make milter-protocol-tests  miltertest scripts against care-milter on
#                               loopback (tests/milter/run-miltertest.sh)
#   make milter-e2e-tests       a real, isolated Postfix on loopback plus
#                               care-milter: SMTP and sendmail(1), hold and
#                               release, reject, reload, On-InternalError,
#                               kill -9, valgrind memcheck of 1,000 messages
#                               (tests/milter/run-e2e.sh; E2E_VALGRIND=0
#                               skips valgrind, KEEP=1 keeps the work folder)
#   make milter-tests           both
#
# Both need root (Postfix) and the TEST_DEBS of the top Makefile; they
# never touch the system Postfix and stop all they start.

MILTER_TEST_DIR := tests/milter

# milter-load (tests/bench) drives the valgrind run when it is there.
MILTER_E2E_DEPS := $(BUILD)/care-milter $(BUILD)/care-check \
    $(if $(wildcard tests/bench/milter-load.c),$(BUILD)/milter-load)

.PHONY: milter-tests milter-protocol-tests milter-e2e-tests

EXTRA_CHECKS += milter-protocol-tests milter-e2e-tests

milter-tests: milter-protocol-tests milter-e2e-tests

milter-protocol-tests: $(BUILD)/care-milter
	bash $(MILTER_TEST_DIR)/run-miltertest.sh $(BUILD)

milter-e2e-tests: $(MILTER_E2E_DEPS)
	bash $(MILTER_TEST_DIR)/run-e2e.sh $(BUILD)
