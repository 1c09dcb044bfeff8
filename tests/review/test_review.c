/*
 * test_review.c - Check tests for the journal and the mta module, the
 * parts care-review stands on.
 *
 *   journal: no record lost by concurrent writers; an unwritable path
 *            never stops a verdict; purge keeps what the retention
 *            says; the file is created 0640.
 *   mta:     queue ids are validated; postqueue -j and mailq -qQ
 *            output is parsed exactly, and malformed output refused.
 *
 * Run from the top of the tree (CARE_TOP points there), built and run
 * by tests/review/review.mk.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "mta.h"
#include "pipeline.h"

static char tmpdir[256];

static void
setup_tmp(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/care-review-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown_tmp(void)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static char *
tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static long long
count_rows(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long n = -1;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
fake_verdict(struct care_verdict *v, int i)
{
	care_verdict_init(v);
	v->message_id = xasprintf("<m%d@test>", i);
	v->subject = xstrdup("Re: your order");
	v->from = xstrdup("agent@support.test");
	v->elements[CARE_ACK].present = 1;
	v->elements[CARE_ACK].evidence = xstrdup("I'm sorry your order arrived damaged.");
	v->missing = 1u << CARE_EMPATHY;
	v->action = CARE_FLAG;
}

/* ---- journal: concurrent writers ---------------------------------- */

#define WRITERS 16
#define PER_WRITER 200

struct writer_arg {
	struct journal *j;
	int base;
	int failed;
};

static void *
writer(void *p)
{
	struct writer_arg *a = p;

	for (int i = 0; i < PER_WRITER; i++) {
		struct care_verdict v;
		char qid[32];

		fake_verdict(&v, a->base + i);
		snprintf(qid, sizeof(qid), "%06X%04X", a->base, i);
		if (journal_verdict(a->j, &v, qid, NULL, 1) < 0)
			a->failed++;
		care_verdict_free(&v);
	}
	return NULL;
}

START_TEST(journal_concurrent_writers)
{
	char *path = tmp_path("journal.db");
	struct journal *j = journal_open(path, 90);
	pthread_t t[WRITERS];
	struct writer_arg a[WRITERS];
	int failed = 0;

	ck_assert_ptr_nonnull(j);
	for (int i = 0; i < WRITERS; i++) {
		a[i] = (struct writer_arg){j, i * 1000, 0};
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer, &a[i]), 0);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(t[i], NULL);
		failed += a[i].failed;
	}
	ck_assert_int_eq(failed, 0);
	journal_close(j);	/* flushes what is queued */
	ck_assert_int_eq(count_rows(path, "SELECT COUNT(*) FROM verdicts"),
	    WRITERS * PER_WRITER);
	ck_assert_int_eq(count_rows(path,
	    "SELECT COUNT(DISTINCT queue_id) FROM verdicts"), WRITERS * PER_WRITER);
	free(path);
}
END_TEST

/* ---- journal: an unwritable path never stops a verdict --------------- */

START_TEST(journal_unwritable_path)
{
	const char *top = getenv("CARE_TOP");
	char *conf = xasprintf("%s/conf/care-milter.conf", top ? top : ".");
	/* A file is in the way of the folder: fails even for root. */
	char *blocker = tmp_path("not-a-dir");
	char *path = tmp_path("not-a-dir/journal.db");
	FILE *fp = fopen(blocker, "w");

	ck_assert_ptr_nonnull(fp);
	fclose(fp);
	log_open("test-review", 0, 0, 0);	/* the error below is expected */
	struct journal *j = journal_open(path, 90);

	log_open("test-review", 0, 0, 1);
	ck_assert_ptr_null(j);

	static const char msg[] =
	    "From: Agent <agent@support.test>\n"
	    "To: Customer <customer@example.net>\n"
	    "Subject: Re: broken kettle\n"
	    "In-Reply-To: <q1@example.net>\n"
	    "Message-ID: <r1@support.test>\n"
	    "\n"
	    "Hi Sam,\n\nI'm sorry your kettle arrived cracked. I know how "
	    "disappointing that is. I've sent a replacement today. Let me know "
	    "when it arrives.\n";
	struct engine *e = engine_load(conf, NULL, NULL);
	struct care_verdict v;
	struct care_err err = {""};

	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(pipeline_run(e, msg, sizeof(msg) - 1, NULL, &v, &err), 0);
	/* The record is dropped, the verdict stands and the mail goes on. */
	ck_assert_int_eq(journal_verdict(j, &v, "ABCDEF123", NULL, 1), -1);
	ck_assert_int_eq(v.skip, CARE_SKIP_NONE);
	ck_assert_int_eq(v.action, CARE_ACCEPT);
	journal_close(j);	/* NULL: nothing to do, no crash */
	care_verdict_free(&v);
	engine_unref(e);
	free(conf);
	free(blocker);
	free(path);
}
END_TEST

/* ---- journal: purge keeps what retention says ------------------------- */

START_TEST(journal_purge_retention)
{
	char *path = tmp_path("purge.db");
	struct journal *j = journal_open(path, 30);
	sqlite3 *db;
	long long now = (long long)time(NULL);

	ck_assert_ptr_nonnull(j);
	journal_close(j);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	/* 3 verdicts and 2 decisions past 30 days, 2 + 1 within. */
	long long ages[] = {100, 45, 31, 29, 1};

	for (int i = 0; i < 5; i++) {
		char *sql = xasprintf("INSERT INTO verdicts (time, queue_id, scope,"
		    " action) VALUES (%lld, 'Q%d0000', 'checked', 'hold')",
		    now - ages[i] * 86400, i);

		ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		free(sql);
	}
	long long dages[] = {60, 40, 2};

	for (int i = 0; i < 3; i++) {
		char *sql = xasprintf("INSERT INTO decisions (time, queue_id, who,"
		    " decision) VALUES (%lld, 'Q%d0000', 'sup', 'release')",
		    now - dages[i] * 86400, i);

		ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		free(sql);
	}
	sqlite3_close(db);

	j = journal_open(path, 30);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(journal_purge(j, 30), 5);
	ck_assert_int_eq(journal_purge(j, 30), 0);
	journal_close(j);
	ck_assert_int_eq(count_rows(path, "SELECT COUNT(*) FROM verdicts"), 2);
	ck_assert_int_eq(count_rows(path, "SELECT COUNT(*) FROM decisions"), 1);
	ck_assert_int_eq(count_rows(path, "SELECT MIN(time) FROM verdicts") >=
	    now - 30 * 86400, 1);
	free(path);
}
END_TEST

/* ---- journal: created 0640, whatever the umask ------------------------ */

START_TEST(journal_file_mode)
{
	char *path = tmp_path("mode.db");
	mode_t old = umask(0);
	struct journal *j = journal_open(path, 90);
	struct stat st;

	umask(old);
	ck_assert_ptr_nonnull(j);
	journal_close(j);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(st.st_mode & (S_IROTH | S_IWOTH | S_IXOTH), 0);
	free(path);
}
END_TEST

/* ---- mta: queue ids --------------------------------------------------- */

START_TEST(mta_ids)
{
	static const char *const good[] = {
		"61F0EA72544", "ABCDEF", "3F2A1B9C0D",		/* Postfix short */
		"4Fb4Zq1sRfz9sMR", "4XyZ9bcdfgh",		/* Postfix long */
		"0ANAbcde012345", "q7UEDwq0016853",		/* Sendmail */
	};
	char big[1001];

	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	const char *const bad[] = {
		"", "../x", "; rm -rf /", "$(id)", "`id`", "ABC\nDEF123",
		"ABCDEF\n", "ABCDE", "abc", "ABCDEF 12", "-d", "--", "ALL",
		"ABCDEF/../../etc", "ABCD\xc3\xa9" "F12", "A*", big,
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		ck_assert_msg(mta_validate_id(good[i]) == 0, "refused %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(mta_validate_id(bad[i]) == MTA_BAD_ID,
		    "accepted bad id #%zu", i);
	ck_assert_int_eq(mta_validate_id(NULL), MTA_BAD_ID);
}
END_TEST

/* ---- mta: postqueue -j ------------------------------------------------ */

START_TEST(mta_postqueue_json)
{
	static const char out[] =
	    "{\"queue_name\": \"deferred\", \"queue_id\": \"1111111111\", "
	    "\"arrival_time\": 100, \"sender\": \"x@y\", \"recipients\": []}\n"
	    "{\"queue_name\": \"hold\", \"queue_id\": \"B8161A72075\", "
	    "\"arrival_time\": 1795408625, \"message_size\": 2824, "
	    "\"forced_expire\": false, \"sender\": \"priya@acme.example\", "
	    "\"recipients\": [{\"address\": \"cust@example.com\", "
	    "\"delay_reason\": \"held \\\"x\\\"\"}, "
	    "{\"address\": \"b\\u00e9@example.com\"}]}\n"
	    "\n"
	    "{\"queue_name\": \"hold\", \"queue_id\": \"0D36CA72264\", "
	    "\"arrival_time\": 1795400000, \"sender\": \"\", "
	    "\"extra\": {\"nested\": [1, 2.5e3, null, true]}, "
	    "\"recipients\": [{\"address\": \"a@b\"}]}\n"
	    "{\"queue_name\": \"hold\", \"queue_id\": \"../etc/passwd\", "
	    "\"arrival_time\": 1, \"sender\": \"evil\", \"recipients\": []}\n";
	struct mta_held *h;
	size_t n;
	struct care_err err = {""};

	ck_assert_int_eq(mta_parse_postqueue(out, sizeof(out) - 1, &h, &n, &err), 0);
	ck_assert_uint_eq(n, 2);	/* deferred skipped, bad id dropped */
	ck_assert_str_eq(h[0].id, "0D36CA72264");	/* oldest first */
	ck_assert_str_eq(h[0].sender, "");
	ck_assert_uint_eq(h[0].nrcpts, 1);
	ck_assert_str_eq(h[1].id, "B8161A72075");
	ck_assert_int_eq((long long)h[1].arrival, 1795408625LL);
	ck_assert_int_eq(h[1].size, 2824);
	ck_assert_str_eq(h[1].sender, "priya@acme.example");
	ck_assert_uint_eq(h[1].nrcpts, 2);
	ck_assert_str_eq(h[1].rcpts[0], "cust@example.com");
	ck_assert_str_eq(h[1].rcpts[1], "b\xc3\xa9@example.com");
	ck_assert_ptr_null(h[1].rcpts[2]);
	mta_held_free(h, n);

	static const char *const broken[] = {
		"{\"queue_name\": \"hold\", \"queue_id\": \"ABCDEF1\"",	/* cut */
		"{\"queue_name\": \"hold\" \"queue_id\": \"ABCDEF1\"}",	/* no , */
		"{\"queue_name\": \"ho\nld\"}",				/* raw newline */
		"{\"a\": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",	/* too deep */
		"{\"a\": \"\\x\"}",					/* bad escape */
		"{\"a\": 1} trailing",
		"not json",
	};

	for (size_t i = 0; i < sizeof(broken) / sizeof(*broken); i++) {
		err.msg[0] = '\0';
		ck_assert_msg(mta_parse_postqueue(broken[i], strlen(broken[i]), &h, &n,
		    &err) == MTA_ERROR, "accepted broken #%zu", i);
		ck_assert_ptr_null(h);
		ck_assert_uint_eq(n, 0);
		ck_assert(strstr(err.msg, "postqueue -j: line") != NULL);
	}
	ck_assert_int_eq(mta_parse_postqueue("", 0, &h, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* ---- mta: mailq -qQ (Sendmail) ---------------------------------------- */

START_TEST(mta_mailq)
{
	static const char out[] =
	    "\t\t/var/spool/mqueue (2 requests)\n"
	    "-----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------\n"
	    "0ANAbcde012345     1234 Mon Nov 23 04:31 <agent@support.test>\n"
	    "     QUARANTINE: care-milter: missing empathy\n"
	    "                                         <customer@example.net>\n"
	    "                                         <other@example.net>\n"
	    "0ANAbcde012300*    99 Sun Nov 22 10:00 <early@support.test>\n"
	    "                 (Deferred: Connection refused)\n"
	    "                                         <c@example.org>\n"
	    "\t\tTotal requests: 2\n";
	struct mta_held *h;
	size_t n;
	struct care_err err = {""};
	struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 23, .tm_hour = 12,
	    .tm_isdst = -1};
	time_t now = mktime(&tm);

	ck_assert_int_eq(mta_parse_mailq(out, sizeof(out) - 1, now, &h, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(h[0].id, "0ANAbcde012300");
	ck_assert_str_eq(h[0].sender, "early@support.test");
	ck_assert_uint_eq(h[0].nrcpts, 1);
	ck_assert_str_eq(h[1].id, "0ANAbcde012345");
	ck_assert_int_eq(h[1].size, 1234);
	ck_assert_str_eq(h[1].reason, "care-milter: missing empathy");
	ck_assert_uint_eq(h[1].nrcpts, 2);
	ck_assert_str_eq(h[1].rcpts[1], "other@example.net");
	ck_assert(h[1].arrival > h[0].arrival && h[1].arrival <= now);
	mta_held_free(h, n);
}
END_TEST

static Suite *
review_suite(void)
{
	Suite *s = suite_create("review");
	TCase *tj = tcase_create("journal");
	TCase *tm = tcase_create("mta");

	tcase_add_checked_fixture(tj, setup_tmp, teardown_tmp);
	tcase_set_timeout(tj, 60);
	tcase_add_test(tj, journal_concurrent_writers);
	tcase_add_test(tj, journal_unwritable_path);
	tcase_add_test(tj, journal_purge_retention);
	tcase_add_test(tj, journal_file_mode);
	tcase_add_test(tm, mta_ids);
	tcase_add_test(tm, mta_postqueue_json);
	tcase_add_test(tm, mta_mailq);
	suite_add_tcase(s, tj);
	suite_add_tcase(s, tm);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(review_suite());
	int failed;

	log_open("test-review", 0, 0, 1);
	log_set_level(LOG_LEVEL_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
