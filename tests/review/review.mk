# Supervisor review tests (included by the top Makefile).
# Uses CC, CPPFLAGS, CFLAGS, CHECK_CFLAGS, CHECK_LIBS, LDLIBS and BUILD
# from the includer, and adds its targets to EXTRA_CHECKS (make check).
#
#   make review-tests  Check tests of the journal and the mta module,
#                      then malformed queue ids against the care-review
#                      binary with fake MTA tools that must never run
#   make review-e2e    care-review against a real, isolated Postfix with
#                      care-milter in front of it (tests/lib/postfix.sh);
#                      skipped, and said so, when those parts are absent

REVIEW_DIR := tests/review

$(BUILD)/review-tests: $(REVIEW_DIR)/test_review.c $(BUILD)/libcare.a include/*.h
	$(CC) $(CPPFLAGS) $(CHECK_CFLAGS) $(CFLAGS) -o $@ $< \
	    $(BUILD)/libcare.a $(CHECK_LIBS) $(LDLIBS)

.PHONY: review-tests review-e2e
review-tests: $(BUILD)/review-tests $(BUILD)/care-review
	CARE_TOP=$(CURDIR) $(BUILD)/review-tests
	sh $(REVIEW_DIR)/run-review-ids.sh $(BUILD)

review-e2e: $(BUILD)/care-review
	bash $(REVIEW_DIR)/run-review-e2e.sh $(BUILD)

EXTRA_CHECKS += review-tests review-e2e
