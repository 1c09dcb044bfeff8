# Code style (included by the top Makefile: -include tests/*/*.mk).
# Needs python3 only; adds style-check to EXTRA_CHECKS, which `make check`
# runs.
#
#   make style-check   the checker's own tests (tests/style/run-tests.sh:
#                      one bad file per check in tests/style/cases and
#                      its expected output), then the checker over the
#                      project's C sources and headers; prints
#                      FILE:LINE: message [check] for each violation
#
# The rules and their reasons are docs/CODE_STYLE.md; the checker is
# tests/style/checksrc.py (run it with FILE... to check only those, -l
# to list the checks).

STYLE_DIR := tests/style

.PHONY: style-check

EXTRA_CHECKS += style-check

style-check:
	sh $(STYLE_DIR)/run-tests.sh
	python3 $(STYLE_DIR)/checksrc.py
	@echo "style: the sources follow docs/CODE_STYLE.md"
