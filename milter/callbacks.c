/*
 * callbacks.c - care-milter's libmilter callbacks (see milter.h).
 *
 * Per connection, one struct conn (smfi_setpriv) collects the envelope,
 * the header and the body of the current message, bounded by
 * MaxMessageBytes.  At end of message the engine judges the bytes and
 * the verdict is acted on: headers, quarantine, reply code, review
 * copy, one log line and one journal record.
 *
 * Only the steps the filter uses are negotiated, and every step before
 * end of message is "no reply" (SMFIP_NR_*): the MTA streams the message
 * without waiting for us, and we decide once, at the end.  The only
 * lock on the hot path is the read lock taken to pick up the current
 * engine.  libmilter does not call xxfi_abort after a completed message,
 * so the message state is reset at end of message as well as on abort.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "log.h"
#include "milter.h"
#include "report.h"

#define MILTER_MAX_RCPTS 1000

struct conn {
	struct engine *e;	/* the engine this message is judged with */
	struct strbuf raw;	/* header and body as received */
	char *mail_from;
	char **rcpts;
	size_t nrcpts;
	int old_headers;	/* X-Care-Check fields already present */
	int body_started;
	char queue_id[64];
};

static pthread_rwlock_t engine_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct engine *engine_current;
static struct journal *journal;

void
milter_engine_set(struct engine *e)
{
	struct engine *old;

	pthread_rwlock_wrlock(&engine_lock);
	old = engine_current;
	engine_current = e;
	pthread_rwlock_unlock(&engine_lock);
	engine_unref(old);
}

struct engine *
milter_engine_get(void)
{
	struct engine *e;

	pthread_rwlock_rdlock(&engine_lock);
	e = engine_current ? engine_ref(engine_current) : NULL;
	pthread_rwlock_unlock(&engine_lock);
	return e;
}

void
milter_journal_set(struct journal *j)
{
	journal = j;
}

void
milter_shutdown(void)
{
	milter_engine_set(NULL);
}

static void
conn_reset(struct conn *c)
{
	sb_reset(&c->raw);
	free(c->mail_from);
	c->mail_from = NULL;
	for (size_t i = 0; i < c->nrcpts; i++)
		free(c->rcpts[i]);
	free(c->rcpts);
	c->rcpts = NULL;
	c->nrcpts = 0;
	c->old_headers = 0;
	c->body_started = 0;
	c->queue_id[0] = '\0';
	engine_unref(c->e);
	c->e = NULL;
}

static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		sb_init(&c->raw, 0);
		smfi_setpriv(ctx, c);
	}
	return c;
}

/* Strip the <> of an SMTP address; "" stays the null sender. */
static char *
bare_address(const char *a)
{
	size_t n;

	if (a == NULL)
		return xstrdup("");
	while (*a == ' ')
		a++;
	if (*a == '<')
		a++;
	n = strcspn(a, ">");
	return xstrndup(a, n);
}

/* The queue id, once the MTA has told us; "NOQUEUE" before. */
static void
remember_queue_id(SMFICTX *ctx, struct conn *c)
{
	const char *id = smfi_getsymval(ctx, "i");

	if (id == NULL || *id == '\0')
		return;
	size_t n = strlen(id);

	if (n >= sizeof(c->queue_id))
		n = sizeof(c->queue_id) - 1;
	/* Queue ids go into logs: keep them to safe characters. */
	for (size_t i = 0; i < n; i++)
		c->queue_id[i] = (id[i] >= '!' && id[i] <= '~') ? id[i] : '?';
	c->queue_id[n] = '\0';
}

static const char *
qid(const struct conn *c)
{
	return c->queue_id[0] ? c->queue_id : "NOQUEUE";
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);

	conn_reset(c);
	/* One engine per message, taken here: a reload in the middle of
	 * a message does not change how that message is judged. */
	c->e = milter_engine_get();
	c->raw.limit = c->e ? c->e->cf->max_message_bytes : 2 * 1024 * 1024;
	c->mail_from = bare_address(argv[0]);
	remember_queue_id(ctx, c);
	return SMFIS_NOREPLY;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);

	if (c->nrcpts < MILTER_MAX_RCPTS) {
		c->rcpts = xrealloc(c->rcpts, (c->nrcpts + 1) * sizeof(*c->rcpts));
		c->rcpts[c->nrcpts++] = bare_address(argv[0]);
	}
	return SMFIS_NOREPLY;
}

static sfsistat
cb_data(SMFICTX *ctx)
{
	remember_queue_id(ctx, conn_get(ctx));
	return SMFIS_NOREPLY;
}

static int
is_verdict_header(const struct engine *e, const char *name)
{
	if (e == NULL)
		return 0;
	const char *p = e->cf->header_prefix;
	size_t n = strlen(p);

	return str_ncasecmp_ascii(name, p, n) == 0 &&
	    str_casecmp_ascii(name + n, "-Check") == 0;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);

	/* A verdict header that arrives with the message is not ours:
	 * count it so that it can be removed at the end. */
	if (is_verdict_header(c->e, name))
		c->old_headers++;
	if (!pipeline_header_used(name))
		return SMFIS_NOREPLY;	/* nothing the verdict depends on */
	sb_puts(&c->raw, name);
	sb_puts(&c->raw, ": ");
	sb_puts(&c->raw, value);
	sb_puts(&c->raw, "\r\n");
	return SMFIS_NOREPLY;
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	sb_puts(&c->raw, "\r\n");
	c->body_started = 1;
	return SMFIS_NOREPLY;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = conn_get(ctx);

	if (!c->raw.overflow)
		sb_append(&c->raw, (const char *)chunk, len);
	return SMFIS_NOREPLY;
}

/* Text for an SMTP reply or a quarantine reason: printable ASCII only
 * ('%' is special to libmilter's reply code), at most 'max' bytes. */
static void
reply_safe(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		s[n = max] = '\0';
	for (size_t i = 0; i < n; i++)
		if (s[i] < ' ' || s[i] > '~' || s[i] == '%')
			s[i] = ' ';
}

static sfsistat
internal_error(SMFICTX *ctx, const struct config *cf, struct conn *c,
    const char *why)
{
	int act = cf ? cf->on_internal_error : CARE_ACCEPT;

	log_msg(LOG_LEVEL_WARNING, "%s: care: internal error: %s; action=%s",
	    qid(c), why, act == CARE_ACCEPT ? "accept" :
	    act == CARE_REJECT ? "reject" : "tempfail");
	if (act == CARE_REJECT) {
		smfi_setreply(ctx, "550", "5.7.1", "Reply not sent: the reply "
		    "checker failed on this message");
		return SMFIS_REJECT;
	}
	if (act == CONFIG_ON_ERROR_TEMPFAIL) {
		smfi_setreply(ctx, "451", "4.3.0", "Reply checker temporarily "
		    "unavailable, try again");
		return SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}

/* Should this verdict carry the X-Care-Check header? */
static int
wants_header(const struct config *cf, const struct care_verdict *v)
{
	int pass = report_is_pass(v);

	switch (cf->header_mode) {
	case HEADER_NONE:
		return 0;
	case HEADER_HOLD:
		return v->action == CARE_HOLD;
	case HEADER_FAIL:
		return !pass || v->action == CARE_HOLD;
	default:
		return !pass || cf->add_pass_header || v->action == CARE_HOLD;
	}
}

/* Delete forged or stale verdicts: every one of them (a cap would let a
 * 17th forged copy keep them all), the last first so that the indexes
 * of the others stay valid. */
static void
remove_old_headers(SMFICTX *ctx, const struct config *cf, struct conn *c)
{
	char name[128];

	snprintf(name, sizeof(name), "%s-Check", cf->header_prefix);
	for (int i = c->old_headers; i > 0; i--)
		smfi_chgheader(ctx, name, i, NULL);
}

/* Do what the verdict says; returns the end-of-message reply. */
static sfsistat
act(SMFICTX *ctx, const struct config *cf, struct conn *c,
    const struct care_verdict *v)
{
	struct strbuf hdr, reason;
	char name[128];
	sfsistat rc = SMFIS_CONTINUE;

	sb_init(&hdr, 0);
	sb_init(&reason, 0);
	report_header(v, &hdr);
	report_reason(v, &reason);
	snprintf(name, sizeof(name), "%s-Check", cf->header_prefix);
	remove_old_headers(ctx, cf, c);
	if (wants_header(cf, v) && smfi_addheader(ctx, name, hdr.s) != MI_SUCCESS)
		log_msg(LOG_LEVEL_WARNING, "%s: care: could not add %s", qid(c), name);

	if (v->action == CARE_HOLD) {
		char why[256];

		snprintf(why, sizeof(why), "care-milter: %s", reason.s);
		reply_safe(why, 200);
		if (smfi_quarantine(ctx, why) != MI_SUCCESS)
			log_msg(LOG_LEVEL_ERR, "%s: care: quarantine refused by the MTA",
			    qid(c));
	} else if (v->action == CARE_REJECT) {
		char *text = xasprintf("%s%s%s", cf->reject_text ? cf->reject_text : "",
		    cf->reject_text ? " " : "", reason.s);

		reply_safe(text, 400);
		smfi_setreply(ctx, "550", "5.7.1", text);
		free(text);
		rc = SMFIS_REJECT;
	}
	if (cf->review_copy_to && (v->action == CARE_HOLD || v->action == CARE_FLAG)) {
		char *r = xasprintf("<%s>", cf->review_copy_to);

		if (smfi_addrcpt(ctx, r) != MI_SUCCESS)
			log_msg(LOG_LEVEL_WARNING, "%s: care: could not add review copy "
			    "recipient", qid(c));
		free(r);
	}
	/* One grep-able line per verdict, with the reason Postfix drops. */
	log_msg(LOG_LEVEL_INFO, "%s: care: action=%s verdict=\"%s\" reason=\"%s\" "
	    "from=<%s> msgid=%s ms=%.2f%s", qid(c), care_action_name(v->action),
	    hdr.s, reason.s, c->mail_from ? c->mail_from : "",
	    v->message_id ? v->message_id : "-", v->elapsed_ms,
	    v->truncated ? " truncated=yes" : "");
	if (log_enabled(LOG_LEVEL_DEBUG))
		for (int e = 0; e < CARE_NELEMENTS; e++)
			if (v->elements[e].present)
				log_msg(LOG_LEVEL_DEBUG, "%s: care: %s: \"%s\"", qid(c),
				    care_element_name(e), v->elements[e].evidence);
	sb_free(&hdr);
	sb_free(&reason);
	return rc;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct engine *e = c->e;
	struct care_verdict v;
	struct care_err err = {""};
	sfsistat rc;

	remember_queue_id(ctx, c);
	if (e == NULL) {
		rc = internal_error(ctx, NULL, c, "no configuration loaded");
		conn_reset(c);
		return rc;
	}
	struct care_envelope env = {c->mail_from, c->rcpts, c->nrcpts};

	int failed = pipeline_run(e, c->raw.s ? c->raw.s : "", c->raw.len, &env,
	    &v, &err) < 0;

	if (c->raw.overflow)
		v.truncated = 1;	/* before act(), which logs it */
	if (failed)
		rc = internal_error(ctx, e->cf, c, err.msg);
	else if (v.skip != CARE_SKIP_NONE) {
		/* No verdict of ours, and no forged one either. */
		remove_old_headers(ctx, e->cf, c);
		log_msg(LOG_LEVEL_INFO, "%s: care: action=accept skipped=%s from=<%s>",
		    qid(c), care_skip_name(v.skip), c->mail_from ? c->mail_from : "");
		rc = SMFIS_CONTINUE;
	} else
		rc = act(ctx, e->cf, c, &v);
	if (journal)
		journal_verdict(journal, &v, qid(c), &env, 1);
	care_verdict_free(&v);
	conn_reset(c);		/* releases e */
	return rc;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c)
		conn_reset(c);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	/* Health probes connect and close without a message: c is NULL. */
	if (c) {
		conn_reset(c);
		sb_free(&c->raw);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want_actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS |
	    SMFIF_QUARANTINE | SMFIF_ADDRCPT | SMFIF_SETSYMLIST;
	unsigned long skip = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN;
	unsigned long noreply = SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA |
	    SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;

	(void)f2;
	(void)f3;
	*pf0 = want_actions & f0;
	/* Ask for no-reply steps only where the MTA offers them. */
	*pf1 = (skip | noreply) & f1;
	*pf2 = 0;
	*pf3 = 0;
	if ((f0 & (SMFIF_ADDHDRS | SMFIF_QUARANTINE)) != (SMFIF_ADDHDRS | SMFIF_QUARANTINE))
		log_msg(LOG_LEVEL_WARNING, "care: the MTA does not offer header "
		    "and quarantine actions; verdicts will only be logged");
	/* The macros we read, at the steps we see. */
	if (f0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen} {daemon_name}");
		smfi_setsymlist(ctx, SMFIM_DATA, "i");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

int
milter_register(void)
{
	struct smfiDesc desc;

	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = "care-milter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE |
	    SMFIF_ADDRCPT | SMFIF_SETSYMLIST;
	desc.xxfi_envfrom = cb_envfrom;
	desc.xxfi_envrcpt = cb_envrcpt;
	desc.xxfi_header = cb_header;
	desc.xxfi_eoh = cb_eoh;
	desc.xxfi_body = cb_body;
	desc.xxfi_eom = cb_eom;
	desc.xxfi_abort = cb_abort;
	desc.xxfi_close = cb_close;
	desc.xxfi_data = cb_data;
	desc.xxfi_negotiate = cb_negotiate;
	return smfi_register(desc) == MI_SUCCESS ? 0 : -1;
}
