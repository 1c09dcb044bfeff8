/*
 * journal.h - the verdict journal, an SQLite database.
 *
 * One row per verdict (time, host, queue id, Message-ID, sender,
 * recipients, subject, scope, elements with evidence, issues, action,
 * analysis time) and one row per supervisor decision (the audit trail).
 * WAL mode and a busy timeout let the milter's threads, care-check and
 * care-review use it at once.  The milter hands records to a writer
 * thread (journal_verdict never waits on the disk); a journal that
 * cannot be written is logged and never stops mail.  The file is created
 * mode 0640: it holds customer addresses.
 */
#ifndef CARE_JOURNAL_H
#define CARE_JOURNAL_H

#include <stddef.h>
#include <time.h>

#include "care.h"
#include "scope.h"

struct journal;

/* Open (creating the schema when new).  NULL on failure, logged. */
struct journal *journal_open(const char *path, unsigned retention_days);
void journal_close(struct journal *j);	/* flushes pending records */

/* Queue one verdict.  queue_id and env may be NULL.  Returns 0 when
 * queued or written, -1 when the record was dropped (logged). */
int journal_verdict(struct journal *j, const struct care_verdict *v,
    const char *queue_id, const struct care_envelope *env, int async);

/* Record a supervisor's decision. */
int journal_decision(struct journal *j, const char *queue_id,
    const char *who, const char *decision, const char *note);

/* Delete verdicts and decisions older than the retention; returns the
 * number of rows removed or -1. */
long journal_purge(struct journal *j, unsigned days);

/* The raw handle, for care-review's queries (sqlite3 *). */
void *journal_db(struct journal *j);

/* Records dropped since open (queue full or write errors). */
unsigned long journal_dropped(struct journal *j);

#endif
