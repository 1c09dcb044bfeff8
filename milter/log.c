/*
 * log.c - logging to syslog and/or stderr (see log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "util.h"

static int log_syslog;
static int log_stderr = 1;
static enum log_level log_threshold = LOG_LEVEL_INFO;

static const char *const level_names[] = {
	"error", "warning", "notice", "info", "debug"
};
static const int level_prio[] = {
	LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG
};

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
	{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

void
log_open(const char *ident, int use_syslog, int facility, int to_stderr)
{
	log_syslog = use_syslog;
	log_stderr = to_stderr;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void
log_set_level(enum log_level level)
{
	log_threshold = level;
}

int
log_level_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(*level_names); i++)
		if (str_casecmp_ascii(name, level_names[i]) == 0)
			return (int)i;
	if (str_casecmp_ascii(name, "err") == 0)
		return LOG_LEVEL_ERR;
	if (str_casecmp_ascii(name, "warn") == 0)
		return LOG_LEVEL_WARNING;
	return -1;
}

int
log_facility_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(facilities) / sizeof(*facilities); i++)
		if (str_casecmp_ascii(name, facilities[i].name) == 0)
			return facilities[i].value;
	return -1;
}

int
log_enabled(enum log_level level)
{
	return level <= log_threshold;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	char line[2048];

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_syslog)
		syslog(level_prio[level], "%s", line);
	if (log_stderr) {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;

		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S",
		    localtime_r(&t, &tm));
		/* One fprintf per line keeps threads' lines whole. */
		fprintf(stderr, "%s care-milter[%s]: %s\n", stamp,
		    level_names[level], line);
	}
}
