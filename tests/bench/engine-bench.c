/*
 * engine-bench - message bytes per second through the care-check
 * pipeline in one process, against the same bytes through GMime parsing
 * alone (the floor of the work).
 *
 *   engine-bench [-c CONF] [-r REPS] [-s SECONDS] DIR...
 *
 * Every *.eml of the DIRs is read into memory first.  Each repetition
 * runs every message once through each of the two loops; the figure is
 * the median over repetitions, printed with the spread (min-max).  The
 * ratio is the median of the repetitions' own ratios (their two loops
 * run back to back), steadier on a shared machine than the ratio of the
 * two medians.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "pipeline.h"

struct msg {
	char *data;
	size_t len;
};

static struct msg *msgs;
static size_t nmsgs, total_bytes;

static void
load_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL) {
		perror(dir);
		exit(2);
	}
	while ((de = readdir(d)) != NULL) {
		if (!str_has_suffix_ci(de->d_name, ".eml"))
			continue;
		char *p = xasprintf("%s/%s", dir, de->d_name);

		msgs = xrealloc(msgs, (nmsgs + 1) * sizeof(*msgs));
		if (file_read(p, &msgs[nmsgs].data, &msgs[nmsgs].len, 0) == 0) {
			total_bytes += msgs[nmsgs].len;
			nmsgs++;
		}
		free(p);
	}
	closedir(d);
}

static double
run_pipeline(struct engine *e)
{
	double t0 = now_ms();

	for (size_t i = 0; i < nmsgs; i++) {
		struct care_verdict v;
		struct care_err err;

		pipeline_run(e, msgs[i].data, msgs[i].len, NULL, &v, &err);
		care_verdict_free(&v);
	}
	return now_ms() - t0;
}

static double
run_gmime(void)
{
	double t0 = now_ms();

	/* Exactly as pipeline_run() parses (pipeline_parse()). */
	for (size_t i = 0; i < nmsgs; i++) {
		GByteArray *wrap;
		GMimeObject *m = pipeline_parse(msgs[i].data, msgs[i].len, &wrap);

		pipeline_parse_done(m, wrap);
	}
	return now_ms() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(const char *what, double *ms, int reps)
{
	double mb = (double)total_bytes / (1024.0 * 1024.0);

	qsort(ms, (size_t)reps, sizeof(*ms), cmp_double);
	printf("%-16s %8.1f MB/s  (%.1f-%.1f)  %7.3f ms/message\n", what,
	    mb / (ms[reps / 2] / 1000.0), mb / (ms[reps - 1] / 1000.0),
	    mb / (ms[0] / 1000.0), ms[reps / 2] / (double)nmsgs);
}

static void
print_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

int
main(int argc, char **argv)
{
	const char *conf = "conf/care-milter.conf";
	int c, reps = 7, only = 0;

	while ((c = getopt(argc, argv, "c:r:p")) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'r': reps = atoi(optarg); break;
		case 'p': only = 1; break;	/* pipeline only, for profiling */
		default: return 2;
		}
	}
	if (reps < 1 || reps > 1000 || optind >= argc) {
		fprintf(stderr, "usage: engine-bench [-c CONF] [-r REPS] [-p] DIR...\n");
		return 2;
	}
	struct engine *e = engine_load(conf, print_error, NULL);

	if (e == NULL)
		return 2;
	for (int i = optind; i < argc; i++)
		load_dir(argv[i]);
	double *pm = xcalloc((size_t)reps, sizeof(double));
	double *gm = xcalloc((size_t)reps, sizeof(double));

	run_pipeline(e);	/* warm up */
	for (int r = 0; r < reps; r++) {
		pm[r] = run_pipeline(e);
		if (!only)
			gm[r] = run_gmime();
	}
	printf("%zu messages, %.1f KB, %d repetitions\n", nmsgs,
	    (double)total_bytes / 1024.0, reps);
	/* The ratio of each repetition's two loops, run back to back: what
	 * slows the machine for a while slows both. */
	double *ratio = xcalloc((size_t)reps, sizeof(double));

	for (int r = 0; r < reps && !only; r++)
		ratio[r] = gm[r] / pm[r];
	report("care pipeline", pm, reps);
	if (!only) {
		report("GMime parse", gm, reps);
		qsort(ratio, (size_t)reps, sizeof(double), cmp_double);
		printf("ratio pipeline/GMime throughput: %.2f (%.2f-%.2f), the median of "
		    "each repetition's ratio\n", ratio[reps / 2], ratio[0], ratio[reps - 1]);
	}
	free(ratio);
	engine_unref(e);
	return 0;
}
