/*
 * log.h - logging to syslog or stderr.
 *
 * log_open() chooses the destination once at start-up; log_msg() is safe
 * from any thread.  Levels follow syslog; LogLevel in the configuration
 * sets the threshold.  Customer text is only ever logged at debug level.
 */
#ifndef CARE_LOG_H
#define CARE_LOG_H

enum log_level {
	LOG_LEVEL_ERR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_NOTICE,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

void log_open(const char *ident, int use_syslog, int facility, int to_stderr);
void log_set_level(enum log_level level);
int log_level_lookup(const char *name);		/* -1 when unknown */
int log_facility_lookup(const char *name);	/* -1 when unknown */
int log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
