/*
 * mta.h - the MTA's queue commands, for care-review.
 *
 * Held replies live in the MTA's queue, not in care-milter: Postfix's
 * hold queue or Sendmail's quarantine.  This module is the only place
 * that runs the MTA's tools.  Every command is started with
 * posix_spawn() and an argument vector (never a shell), its output is
 * read through a pipe up to a bound, and its exit status is checked.
 *
 * Use:
 *	struct mta *m = mta_open(cf);		// MTA, PostfixConfigDir, ...
 *	if (mta_validate_id(id) < 0) ...	// before anything else
 *	mta_list_held(m, &list, &n, &err);	// oldest first
 *	mta_fetch(m, id, &msg, &err);		// the message as queued
 *	mta_release(m, id, &err); mta_delete(m, id, &err);
 *	mta_submit(m, sender, rcpt, bytes, len, &err);
 *	mta_close(m);
 *
 * Every operation on an id first checks that the id is valid and that
 * the message is held (MTA_NOT_HELD otherwise), so that care-review
 * never touches mail that no filter stopped.
 *
 * Postfix: postqueue -j, postsuper -H / -d (limited to the hold queue),
 * postqueue -i, postcat -q, sendmail -C DIR; every tool gets
 * "-c PostfixConfigDir" so that a non-default instance works.
 * Sendmail: SendmailPath -bp -qQ (list), -qQ -qI<id> -Q (unquarantine:
 * -Q without a reason), -qI<id> (deliver); its queue files are read and
 * removed in the QueueDirectory named by sendmail.cf, since Sendmail
 * has no command that prints or deletes one message.
 *
 * When care-review does not run as root, postsuper and postcat (which
 * need root) are run through "sudo -n", so a sudoers rule for exactly
 * those commands is enough (see the README).
 */
#ifndef CARE_MTA_H
#define CARE_MTA_H

#include <stddef.h>
#include <time.h>

#include "care.h"
#include "config.h"

/* Results: 0 is success. */
enum {
	MTA_OK = 0,
	MTA_ERROR = -1,		/* a command is missing, failed or timed out */
	MTA_NOT_HELD = -2,	/* no held message has this id */
	MTA_BAD_ID = -3		/* refused by mta_validate_id() */
};

/* Longest id accepted; Postfix long ids are about 15 characters. */
#define MTA_ID_MAX 32

/* One held message, as the queue reports it. */
struct mta_held {
	char id[MTA_ID_MAX + 1];
	time_t arrival;		/* 0 when unknown */
	long size;		/* -1 when unknown */
	char *sender;		/* envelope sender, "" for the null sender */
	char **rcpts;		/* NULL-ended */
	size_t nrcpts;
	char *reason;		/* Sendmail's quarantine reason, or NULL */
};

struct mta;

/* The MTA the configuration names; never fails (commands do). */
struct mta *mta_open(const struct config *cf);
void mta_close(struct mta *m);

/* Is this a queue id we may pass to a command?  Postfix short ids
 * ([0-9A-F]{6,}), Postfix long ids (base-52 digits, 10 or more),
 * Sendmail ids (8-20 letters and digits); at most MTA_ID_MAX.
 * Returns 0 when valid, MTA_BAD_ID otherwise. */
int mta_validate_id(const char *id);

/* The held messages, oldest first.  Free with mta_held_free(). */
int mta_list_held(struct mta *m, struct mta_held **list, size_t *count,
    struct care_err *err);
void mta_held_free(struct mta_held *list, size_t count);

/* Find 'id' among the held messages; *out is a copy, free it with
 * mta_held_free(out, 1).  MTA_NOT_HELD when it is not there. */
int mta_find_held(struct mta *m, const char *id, struct mta_held **out,
    struct care_err *err);

/* The held message as it will be delivered (header and body), in
 * malloc'd *msg of *len bytes (NUL-terminated). */
int mta_fetch(struct mta *m, const char *id, char **msg, size_t *len,
    struct care_err *err);

/* Release for delivery now; delete for good. */
int mta_release(struct mta *m, const char *id, struct care_err *err);
int mta_delete(struct mta *m, const char *id, struct care_err *err);

/* Submit a new message through the MTA's sendmail command.  'sender'
 * "" is the null sender. */
int mta_submit(struct mta *m, const char *sender, const char *rcpt,
    const char *msg, size_t len, struct care_err *err);

/* Exposed for tests: parse postqueue -j or mailq -qQ output. */
int mta_parse_postqueue(const char *out, size_t len, struct mta_held **list,
    size_t *count, struct care_err *err);
int mta_parse_mailq(const char *out, size_t len, time_t now,
    struct mta_held **list, size_t *count, struct care_err *err);

#endif
