# systemd unit and install checks (included by the top Makefile).
# Uses BUILD and MAKE from the includer; adds systemd-tests to
# EXTRA_CHECKS (run by `make check`).
#
#   make systemd-tests   install into a temporary root (DESTDIR,
#                        PREFIX=/usr), then check the installed unit with
#                        systemd-analyze verify and security (offline,
#                        no running systemd needed), the sysusers and
#                        tmpfiles files, and the man pages;
#                        tests/systemd/verify.sh says what and why.
#                        SYSTEMD_EXPOSURE_MAX (2.0) caps the exposure
#                        score; KEEP=1 keeps the temporary root.

EXTRA_CHECKS += systemd-tests

.PHONY: systemd-tests
systemd-tests: all
	MAKE="$(MAKE)" bash tests/systemd/verify.sh $(BUILD)
