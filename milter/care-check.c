/*
 * care-check - run the care-milter pipeline offline on message files.
 *
 *   care-check [-c FILE] [--json] FILE... | -
 *   care-check [-c FILE] --extract FILE... | -
 *
 * Exit 0 when every message would be accepted, 1 when any would be
 * flagged, held or rejected, 2 on an error (unreadable file, bad
 * configuration, a message the pipeline could not finish).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "pipeline.h"
#include "report.h"

#ifndef CARE_SYSCONFDIR
#define CARE_SYSCONFDIR "/etc/care-milter"
#endif

enum mode { MODE_TEXT, MODE_JSON, MODE_EXTRACT };

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: care-check [-c FILE] [--json] [--journal] FILE... | -\n"
	    "       care-check [-c FILE] --extract FILE... | -\n"
	    "  -c FILE     configuration (default " CARE_SYSCONFDIR "/care-milter.conf)\n"
	    "  --json      one JSON object per message, one per line\n"
	    "  --extract   print only the text the analysis sees\n"
	    "  --journal   record each verdict in the configured journal\n"
	    "  -V          print the version\n"
	    "exit: 0 all accepted, 1 any flagged/held/rejected, 2 error\n");
}

static void
print_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static const char *
default_config(void)
{
	const char *p = CARE_SYSCONFDIR "/care-milter.conf";

	return access(p, R_OK) == 0 ? p : NULL;
}

/* Judge or extract one file; returns 0 accept, 1 other, 2 error. */
static int
check_one(struct engine *e, struct journal *jr, const char *path,
    enum mode mode, int many)
{
	char *data;
	size_t len;
	struct care_err err = {""};
	struct strbuf out;
	int rc = 0;

	if (file_read(path, &data, &len, e->cf->max_message_bytes) < 0) {
		fprintf(stderr, "care-check: %s: %s\n", path, strerror(errno));
		return 2;
	}
	sb_init(&out, 0);
	if (mode == MODE_EXTRACT) {
		if (many)
			sb_printf(&out, "==> %s <==\n", path);
		if (pipeline_extract(e, data, len, &out, &err) < 0)
			rc = 2;
		if (out.len && out.s[out.len - 1] != '\n')
			sb_putc(&out, '\n');
	} else {
		struct care_verdict v;

		if (pipeline_run(e, data, len, NULL, &v, &err) < 0)
			rc = 2;
		if (mode == MODE_JSON) {
			report_json(&v, path, &out);
			sb_putc(&out, '\n');
		} else
			report_text(&v, path, &out);
		if (rc == 0)
			rc = v.action == CARE_ACCEPT ? 0 : 1;
		if (jr)
			journal_verdict(jr, &v, NULL, NULL, 0);
		care_verdict_free(&v);
	}
	if (err.msg[0])
		fprintf(stderr, "care-check: %s: %s\n", path, err.msg);
	fwrite(out.s ? out.s : "", 1, out.len, stdout);
	sb_free(&out);
	free(data);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"extract", no_argument, NULL, 'x'},
		{"journal", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *config = NULL;
	enum mode mode = MODE_TEXT;
	int c, use_journal = 0, worst = 0;

	while ((c = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'j': mode = MODE_JSON; break;
		case 'x': mode = MODE_EXTRACT; break;
		case 'J': use_journal = 1; break;
		case 'V': printf("care-check %s\n", CARE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	log_open("care-check", 0, 0, 1);
	log_set_level(LOG_LEVEL_WARNING);
	struct engine *e = engine_load(config ? config : default_config(),
	    print_error, NULL);

	if (e == NULL)
		return 2;
	struct journal *jr = NULL;

	if (use_journal || e->cf->journal_checks) {
		if (e->cf->journal == NULL) {
			fprintf(stderr,
			    "care-check: --journal needs Journal in the configuration\n");
			engine_unref(e);
			return 2;
		}
		jr = journal_open(e->cf->journal, e->cf->retention_days);
		if (jr == NULL)
			fprintf(stderr, "care-check: journal %s not written\n", e->cf->journal);
	}
	for (int i = optind; i < argc; i++) {
		int rc = check_one(e, jr, argv[i], mode, argc - optind > 1);

		if (rc > worst)
			worst = rc;
	}
	journal_close(jr);
	engine_unref(e);
	return mode == MODE_EXTRACT && worst == 1 ? 0 : worst;
}
