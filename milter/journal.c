/*
 * journal.c - the verdict journal in SQLite (see journal.h).
 *
 * Records are queued to one writer thread, which inserts them in
 * batches inside a transaction: milter threads never wait on the disk
 * or on another process's lock.  The queue is bounded; when it is full
 * the record is dropped and counted, never the mail.
 *
 * The writer gathers records for up to JOURNAL_BATCH_MS before it
 * writes them: at a peak, one transaction for a few hundred verdicts
 * costs the CPU a fraction of one each (four B-trees, WAL frames, a
 * wake-up per message).  The price is that a crash can lose the verdicts
 * of that last moment; never mail, which the MTA holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "report.h"
#include "util.h"

#define JOURNAL_QUEUE_MAX 10000
#define JOURNAL_BATCH_MS 50	/* gather records this long ... */
#define JOURNAL_BATCH_MAX 256	/* ... or until this many wait */
#define JOURNAL_BUSY_MS 5000

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS verdicts ("
    " id INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"		/* unix seconds */
    " host TEXT, queue_id TEXT, message_id TEXT, sender TEXT,"
    " recipients TEXT, subject TEXT,"
    " scope TEXT NOT NULL, skip_reason TEXT,"
    " acknowledgment INTEGER, acknowledgment_evidence TEXT,"
    " empathy INTEGER, empathy_evidence TEXT,"
    " solution INTEGER, solution_evidence TEXT,"
    " follow_up INTEGER, follow_up_evidence TEXT,"
    " missing TEXT, issues TEXT, issues_json TEXT,"
    " action TEXT NOT NULL, analysis_ms REAL);"
    "CREATE INDEX IF NOT EXISTS verdicts_time ON verdicts(time);"
    "CREATE INDEX IF NOT EXISTS verdicts_queue ON verdicts(queue_id);"
    "CREATE INDEX IF NOT EXISTS verdicts_sender ON verdicts(sender);"
    "CREATE TABLE IF NOT EXISTS decisions ("
    " id INTEGER PRIMARY KEY, time INTEGER NOT NULL, queue_id TEXT,"
    " who TEXT, decision TEXT NOT NULL, note TEXT);"
    "CREATE INDEX IF NOT EXISTS decisions_queue ON decisions(queue_id);";

static const char insert_sql[] =
    "INSERT INTO verdicts (time, host, queue_id, message_id, sender,"
    " recipients, subject, scope, skip_reason, acknowledgment,"
    " acknowledgment_evidence, empathy, empathy_evidence, solution,"
    " solution_evidence, follow_up, follow_up_evidence, missing, issues,"
    " issues_json, action, analysis_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,"
    "?,?,?,?,?,?,?,?,?)";

/* One verdict, flattened to the columns it will fill. */
struct record {
	struct record *next;
	long long time;
	double ms;
	int present[CARE_NELEMENTS];
	/* host, queue, msgid, sender, rcpts, subject, scope, skip,
	 * 4 evidences, missing, issues, issues_json, action */
	char *text[18];
};

enum {
	R_HOST, R_QUEUE, R_MSGID, R_SENDER, R_RCPTS, R_SUBJECT, R_SCOPE,
	R_SKIP, R_EV0, R_MISSING = R_EV0 + CARE_NELEMENTS, R_ISSUES,
	R_ISSUES_JSON, R_ACTION, R_NTEXT
};

struct journal {
	sqlite3 *db;
	sqlite3_stmt *insert;	/* prepared once, used under dblock */
	pthread_mutex_t lock;	/* the queue and the counters */
	pthread_mutex_t dblock;	/* the connection: one statement at a time */
	pthread_cond_t wake;
	pthread_t writer;
	int has_writer;
	int stopping;
	struct record *head, *tail;
	size_t queued;
	unsigned long dropped;
	char host[256];
};

static void
record_free(struct record *r)
{
	for (int i = 0; i < R_NTEXT; i++)
		free(r->text[i]);
	free(r);
}

static int
exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_msg(LOG_LEVEL_ERR, "journal: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Insert a list of records in one transaction. */
static int
write_batch(struct journal *j, struct record *list)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (exec_sql(j->db, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (j->insert == NULL &&
	    sqlite3_prepare_v2(j->db, insert_sql, -1, &j->insert, NULL) != SQLITE_OK)
		goto out;
	st = j->insert;
	for (struct record *r = list; r; r = r->next) {
		int c = 1;

		sqlite3_bind_int64(st, c++, r->time);
		for (int i = R_HOST; i <= R_SKIP; i++)
			sqlite3_bind_text(st, c++, r->text[i], -1, SQLITE_STATIC);
		for (int e = 0; e < CARE_NELEMENTS; e++) {
			sqlite3_bind_int(st, c++, r->present[e]);
			sqlite3_bind_text(st, c++, r->text[R_EV0 + e], -1, SQLITE_STATIC);
		}
		for (int i = R_MISSING; i <= R_ACTION; i++)
			sqlite3_bind_text(st, c++, r->text[i], -1, SQLITE_STATIC);
		sqlite3_bind_double(st, c++, r->ms);
		int step = sqlite3_step(st);

		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (step != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	/* A failed COMMIT (disk full, busy) loses the batch as surely as a
	 * failed insert: count it, and never leave the transaction open, or
	 * every later BEGIN would fail too. */
	if (rc == 0 && exec_sql(j->db, "COMMIT") < 0)
		rc = -1;
	if (rc < 0) {
		log_msg(LOG_LEVEL_ERR, "journal: write failed: %s", sqlite3_errmsg(j->db));
		if (!sqlite3_get_autocommit(j->db))
			exec_sql(j->db, "ROLLBACK");
	}
	return rc;
}

static size_t
list_len(const struct record *r)
{
	size_t n = 0;

	for (; r; r = r->next)
		n++;
	return n;
}

/* With the queue locked and a record in it: wait, up to JOURNAL_BATCH_MS,
 * for more to join it (see the top of the file). */
static void
gather(struct journal *j)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += JOURNAL_BATCH_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!j->stopping && j->queued < JOURNAL_BATCH_MAX)
		if (pthread_cond_timedwait(&j->wake, &j->lock, &until) == ETIMEDOUT)
			break;
}

static void *
writer_main(void *arg)
{
	struct journal *j = arg;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		while (j->head == NULL && !j->stopping)
			pthread_cond_wait(&j->wake, &j->lock);
		if (j->head == NULL && j->stopping)
			break;
		gather(j);
		struct record *batch = j->head;

		j->head = j->tail = NULL;
		j->queued = 0;
		/* Write with the queue unlocked: senders never wait on disk. */
		pthread_mutex_unlock(&j->lock);
		pthread_mutex_lock(&j->dblock);
		int bad = write_batch(j, batch) < 0;
		pthread_mutex_unlock(&j->dblock);
		size_t n = list_len(batch);

		while (batch) {
			struct record *next = batch->next;

			record_free(batch);
			batch = next;
		}
		pthread_mutex_lock(&j->lock);
		if (bad)
			j->dropped += n;
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

struct journal *
journal_open(const char *path, unsigned retention_days)
{
	struct journal *j;
	int fd;

	(void)retention_days;
	/* Create it private before SQLite does, whatever the umask. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		log_msg(LOG_LEVEL_ERR, "journal %s: %s", path, strerror(errno));
		return NULL;
	}
	close(fd);
	j = xcalloc(1, sizeof(*j));
	if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		log_msg(LOG_LEVEL_ERR, "journal %s: %s", path, sqlite3_errmsg(j->db));
		sqlite3_close(j->db);
		free(j);
		return NULL;
	}
	sqlite3_busy_timeout(j->db, JOURNAL_BUSY_MS);
	if (exec_sql(j->db, schema) < 0) {
		sqlite3_close(j->db);
		free(j);
		return NULL;
	}
	exec_sql(j->db, "PRAGMA synchronous=NORMAL");
	if (gethostname(j->host, sizeof(j->host) - 1) < 0)
		strcpy(j->host, "localhost");
	pthread_mutex_init(&j->lock, NULL);
	pthread_mutex_init(&j->dblock, NULL);
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->wake, &ca);
	pthread_condattr_destroy(&ca);
	return j;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	pthread_mutex_lock(&j->lock);
	j->stopping = 1;
	pthread_cond_signal(&j->wake);
	pthread_mutex_unlock(&j->lock);
	if (j->has_writer)
		pthread_join(j->writer, NULL);
	if (j->head && write_batch(j, j->head) < 0)
		j->dropped += list_len(j->head);
	while (j->head) {
		struct record *n = j->head->next;

		record_free(j->head);
		j->head = n;
	}
	sqlite3_finalize(j->insert);
	if (j->dropped)
		log_msg(LOG_LEVEL_WARNING, "journal: %lu records were not written",
		    j->dropped);
	sqlite3_close(j->db);
	pthread_mutex_destroy(&j->lock);
	pthread_mutex_destroy(&j->dblock);
	pthread_cond_destroy(&j->wake);
	free(j);
}

/* The names in a set, comma-separated, or NULL for an empty set. */
static char *
names(unsigned set, int issues)
{
	struct strbuf sb;

	if (set == 0)
		return NULL;
	sb_init(&sb, 0);
	report_names(&sb, set, issues);
	return sb_steal(&sb);
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static struct record *
make_record(const struct journal *j, const struct care_verdict *v,
    const char *queue_id, const struct care_envelope *env)
{
	struct record *r = xcalloc(1, sizeof(*r));
	unsigned issues = 0;
	struct strbuf ij;
	int checked = v->skip == CARE_SKIP_NONE;

	r->time = (long long)time(NULL);
	r->ms = v->elapsed_ms;
	r->text[R_HOST] = xstrdup(j->host);
	r->text[R_QUEUE] = dup_or_null(queue_id);
	r->text[R_MSGID] = dup_or_null(v->message_id);
	r->text[R_SENDER] = dup_or_null(env && env->mail_from && *env->mail_from
	    ? env->mail_from : v->from);
	if (env && env->nrcpts) {
		struct strbuf sb;

		sb_init(&sb, 0);
		for (size_t i = 0; i < env->nrcpts; i++) {
			if (i)
				sb_putc(&sb, ',');
			sb_puts(&sb, env->rcpts[i]);
		}
		r->text[R_RCPTS] = sb_steal(&sb);
	}
	r->text[R_SUBJECT] = dup_or_null(v->subject);
	r->text[R_SCOPE] = xstrdup(checked ? "checked" : "skipped");
	r->text[R_SKIP] = dup_or_null(care_skip_name(v->skip));
	for (int e = 0; e < CARE_NELEMENTS; e++) {
		r->present[e] = checked && v->elements[e].present;
		r->text[R_EV0 + e] = dup_or_null(r->present[e] ? v->elements[e].evidence : NULL);
	}
	sb_init(&ij, 0);
	sb_putc(&ij, '[');
	for (int i = 0; i < CARE_NISSUES; i++)
		if (checked && v->issues[i].present) {
			issues |= 1u << i;
			sb_printf(&ij, "%s{\"kind\": \"%s\", \"evidence\": ",
			    ij.len > 1 ? ", " : "", care_issue_name(i));
			report_json_string(&ij, v->issues[i].evidence);
			sb_putc(&ij, '}');
		}
	sb_putc(&ij, ']');
	r->text[R_ISSUES_JSON] = sb_steal(&ij);
	r->text[R_MISSING] = names(checked ? v->missing : 0, 0);
	r->text[R_ISSUES] = names(issues, 1);
	r->text[R_ACTION] = xstrdup(care_action_name(v->action));
	return r;
}

int
journal_verdict(struct journal *j, const struct care_verdict *v,
    const char *queue_id, const struct care_envelope *env, int async)
{
	struct record *r;
	int rc = 0;

	if (j == NULL)
		return -1;
	r = make_record(j, v, queue_id, env);
	if (!async) {
		pthread_mutex_lock(&j->dblock);
		rc = write_batch(j, r);
		pthread_mutex_unlock(&j->dblock);
		record_free(r);
		if (rc < 0) {
			pthread_mutex_lock(&j->lock);
			j->dropped++;
			pthread_mutex_unlock(&j->lock);
		}
		return rc;
	}
	pthread_mutex_lock(&j->lock);
	if (!j->has_writer) {
		if (pthread_create(&j->writer, NULL, writer_main, j) == 0)
			j->has_writer = 1;
	}
	if (j->queued >= JOURNAL_QUEUE_MAX || !j->has_writer) {
		j->dropped++;
		pthread_mutex_unlock(&j->lock);
		log_msg(LOG_LEVEL_WARNING, "journal: queue full, record for %s dropped",
		    queue_id ? queue_id : "?");
		record_free(r);
		return -1;
	}
	if (j->tail)
		j->tail->next = r;
	else
		j->head = r;
	j->tail = r;
	/* Wake the writer for the first record (it then gathers more) and
	 * when a batch is full; not for every one. */
	if (++j->queued == 1 || j->queued == JOURNAL_BATCH_MAX)
		pthread_cond_signal(&j->wake);
	pthread_mutex_unlock(&j->lock);
	return rc;
}

int
journal_decision(struct journal *j, const char *queue_id, const char *who,
    const char *decision, const char *note)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (j == NULL)
		return -1;
	pthread_mutex_lock(&j->dblock);
	if (sqlite3_prepare_v2(j->db, "INSERT INTO decisions (time, queue_id,"
	    " who, decision, note) VALUES (?,?,?,?,?)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (long long)time(NULL));
		sqlite3_bind_text(st, 2, queue_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, who, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, decision, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	}
	if (rc < 0)
		log_msg(LOG_LEVEL_ERR, "journal: decision not recorded: %s",
		    sqlite3_errmsg(j->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&j->dblock);
	return rc;
}

long
journal_purge(struct journal *j, unsigned days)
{
	sqlite3_stmt *st = NULL;
	long n = -1;
	long long cutoff = (long long)time(NULL) - (long long)days * 86400;

	if (j == NULL)
		return -1;
	pthread_mutex_lock(&j->dblock);
	if (exec_sql(j->db, "BEGIN IMMEDIATE") == 0) {
		n = 0;
		static const char *const sql[] = {
			"DELETE FROM verdicts WHERE time < ?",
			"DELETE FROM decisions WHERE time < ?"
		};
		for (int i = 0; i < 2 && n >= 0; i++) {
			if (sqlite3_prepare_v2(j->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
				n = -1;
				break;
			}
			sqlite3_bind_int64(st, 1, cutoff);
			if (sqlite3_step(st) == SQLITE_DONE)
				n += sqlite3_changes(j->db);
			else
				n = -1;
			sqlite3_finalize(st);
			st = NULL;
		}
		exec_sql(j->db, n >= 0 ? "COMMIT" : "ROLLBACK");
	}
	pthread_mutex_unlock(&j->dblock);
	return n;
}

void *
journal_db(struct journal *j)
{
	return j ? j->db : NULL;
}

unsigned long
journal_dropped(struct journal *j)
{
	unsigned long n;

	pthread_mutex_lock(&j->lock);
	n = j->dropped;
	pthread_mutex_unlock(&j->lock);
	return n;
}
