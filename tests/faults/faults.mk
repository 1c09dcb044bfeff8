# Fault-injection tests (included by the top Makefile: -include tests/*/*.mk).
# Uses BUILD from the includer and adds fault-tests to EXTRA_CHECKS, which
# `make check` runs.
#
#   make fault-tests   care-milter under faults (tests/faults/run-faults.sh):
#                      journal unwritable/full/locked, MTA dropping the
#                      connection mid-message, 1,000 concurrent connections,
#                      MaxMessageBytes, RegexMatchLimit, UserID/socket/
#                      journal permissions, no customer text in the log.
#                      Needs root, python3 and sqlite3; about 80 s.
#                      KEEP=1 keeps the work folder.

FAULTS_DIR := tests/faults

.PHONY: fault-tests

EXTRA_CHECKS += fault-tests

fault-tests: $(BUILD)/care-milter $(BUILD)/milter-load
	bash $(FAULTS_DIR)/run-faults.sh $(BUILD)
