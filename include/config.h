/*
 * config.h - the configuration file.
 *
 * "Key value" lines, '#' comments, keys case-insensitive, in the style of
 * OpenDKIM and clamav-milter.  config_load() fills a struct config with
 * every default first, then the file's values; every error is reported
 * as FILE:LINE: message through the error callback, and loading goes on
 * so that care-milter -n can list them all.  conf/care-milter.conf
 * documents each key.
 */
#ifndef CARE_CONFIG_H
#define CARE_CONFIG_H

#include <stddef.h>

#include "care.h"

enum header_mode {
	HEADER_ALL,		/* every judged message */
	HEADER_FAIL,		/* flagged, held and rejected */
	HEADER_HOLD,		/* held only */
	HEADER_NONE
};

enum mta_kind {
	MTA_POSTFIX,
	MTA_SENDMAIL
};

struct config {
	char *path;		/* the file this came from */

	/* daemon */
	char *socket;
	unsigned socket_mode;	/* 0 = leave as umask made it */
	char *socket_group;
	char *user;		/* UserID: user[:group] */
	char *pid_file;
	int syslog;
	int syslog_facility;
	int log_level;
	int timeout;		/* smfi_settimeout, seconds */
	int backlog;
	int on_internal_error;	/* CARE_ACCEPT, or 't' tempfail, CARE_REJECT */
	char *review_copy_to;

	/* rules and bounds */
	char **rule_files;	/* NULL-ended, resolved paths */
	size_t max_scan_bytes;	/* decoded text analysed per message */
	size_t max_message_bytes;	/* raw bytes buffered per message */
	unsigned max_mime_depth;
	unsigned max_mime_parts;
	unsigned regex_match_limit;
	unsigned regex_depth_limit;

	/* scope */
	char **support_senders;	/* NULL-ended; "*" or NULL: everyone */
	char **internal_domains;
	int require_reply;	/* judge replies only */

	/* policy */
	unsigned required;	/* bit set of enum care_element */
	int flag_missing, hold_missing, reject_missing;	/* 0: never */
	unsigned flag_issues, hold_issues, reject_issues;	/* bit sets */
	int reject;		/* master switch for the reject tier */
	char *reject_text;	/* prefix of the 550 text */

	/* report */
	char *header_prefix;
	int add_pass_header;
	int header_mode;

	/* journal and review */
	char *journal;
	int journal_checks;	/* care-check writes to the journal too */
	unsigned retention_days;
	int mta;
	char *postfix_config_dir;
	char *sendmail_path;
	char *hint[CARE_NELEMENTS];	/* coaching hint per element */
};

/* Called once per error with "FILE:LINE: message". */
typedef void (*config_errfn)(void *arg, const char *msg);

/* Load 'path' (NULL: defaults only).  Returns 0 when valid, else the
 * number of errors; *out is set either way and must be config_free()d. */
int config_load(const char *path, struct config **out, config_errfn errfn,
    void *arg);
void config_free(struct config *cf);
struct config *config_defaults(void);

#define CONFIG_ON_ERROR_TEMPFAIL 100

#endif
