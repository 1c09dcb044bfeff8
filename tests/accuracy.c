/*
 * accuracy - precision and recall of care-milter's judgement over a
 * labelled corpus (tests/corpus, tests/heldout).
 *
 *   care-accuracy [-c CONF] [-v] [--min-element P] [--min-issue P]
 *                 [--min-scope P] [--report-only] DIR...
 *
 * Each DIR holds NAME.eml with NAME.expect beside it (format in
 * tests/corpus/README.md).  Prints one table; with thresholds, exits 1
 * when any precision or recall is below its threshold.  -v lists every
 * disagreement with the evidence, for whoever tunes the rules.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "report.h"

enum { N_SCOPE = 2, N_ROWS = CARE_NELEMENTS + CARE_NISSUES + N_SCOPE };

struct counts {
	unsigned tp, fp, fn, tn;
};

struct expect {
	int checked;
	char skip[64];
	int element[CARE_NELEMENTS];
	int issue[CARE_NISSUES];
};

static int verbose;

static int
parse_expect(const char *path, struct expect *x)
{
	FILE *fp = fopen(path, "r");
	char line[512];
	int seen = 0;

	if (fp == NULL)
		return -1;
	memset(x, 0, sizeof(*x));
	while (fgets(line, sizeof(line), fp)) {
		char *v = strchr(line, ':'), *k = line;

		if (line[0] == '#' || v == NULL)
			continue;
		*v++ = '\0';
		v = str_trim(v);
		k = str_trim(k);
		int e;

		if (strcmp(k, "scope") == 0) {
			x->checked = strcmp(v, "checked") == 0;
			seen |= 1;
		} else if (strcmp(k, "skip_reason") == 0)
			snprintf(x->skip, sizeof(x->skip), "%s", v);
		else if ((e = care_element_lookup(k)) >= 0) {
			x->element[e] = strcmp(v, "yes") == 0;
			seen |= 2;
		} else if (strcmp(k, "issues") == 0) {
			char **w = str_list_split(v, NULL);

			for (char **p = w; *p; p++) {
				int i = care_issue_lookup(*p);

				if (i >= 0)
					x->issue[i] = 1;
				else if (strcmp(*p, "none") != 0)
					fprintf(stderr, "%s: unknown issue %s\n", path, *p);
			}
			str_list_free(w);
		}
	}
	fclose(fp);
	return seen == 3 ? 0 : -1;
}

static void
count(struct counts *c, int want, int got)
{
	if (want && got)
		c->tp++;
	else if (!want && got)
		c->fp++;
	else if (want && !got)
		c->fn++;
	else
		c->tn++;
}

static double
ratio(unsigned a, unsigned b)
{
	return b ? (double)a / b : 1.0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
mismatch(const char *name, const char *what, int want,
    const struct care_finding *f)
{
	if (!verbose)
		return;
	printf("  %-45s %-20s want %-3s got %-3s %s%s%s\n", name, what,
	    want ? "yes" : "no", f && f->present ? "yes" : "no",
	    f && f->present ? "[" : "", f && f->present ? f->rule : "",
	    f && f->present ? "]" : "");
	if (f && f->present)
		printf("      \"%s\"\n", f->evidence);
}

static int
run_dir(struct engine *e, const char *dir, struct counts *rows, unsigned *n,
    double *ms)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0;

	if (d == NULL) {
		perror(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (str_has_suffix_ci(de->d_name, ".eml")) {
			names = xrealloc(names, (nn + 1) * sizeof(*names));
			names[nn++] = xstrdup(de->d_name);
		}
	closedir(d);
	qsort(names, nn, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nn; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		char *xpath = xasprintf("%.*s.expect", (int)(strlen(path) - 4), path);
		struct expect x;
		struct care_verdict v;
		struct care_err err;
		char *data;
		size_t len;

		if (parse_expect(xpath, &x) < 0 || file_read(path, &data, &len, 0) < 0) {
			fprintf(stderr, "accuracy: %s: unreadable or no .expect\n", path);
			free(path);
			free(xpath);
			continue;
		}
		if (pipeline_run(e, data, len, NULL, &v, &err) < 0)
			fprintf(stderr, "accuracy: %s: %s\n", path, err.msg);
		int checked = v.skip == CARE_SKIP_NONE;

		*ms += v.elapsed_ms;
		(*n)++;
		count(&rows[CARE_NELEMENTS + CARE_NISSUES], x.checked, checked);
		count(&rows[CARE_NELEMENTS + CARE_NISSUES + 1], !x.checked, !checked);
		if (x.checked != checked ||
		    (!checked && strcmp(x.skip, care_skip_name(v.skip)) != 0)) {
			if (verbose)
				printf("  %-45s scope: want %s (%s) got %s\n", names[i],
				    x.checked ? "checked" : "skipped", x.skip,
				    checked ? "checked" : care_skip_name(v.skip));
		}
		for (int k = 0; k < CARE_NELEMENTS; k++) {
			int got = checked && v.elements[k].present;
			int want = x.checked && x.element[k];

			count(&rows[k], want, got);
			if (want != got)
				mismatch(names[i], care_element_name(k), want, &v.elements[k]);
		}
		for (int k = 0; k < CARE_NISSUES; k++) {
			int got = checked && v.issues[k].present;
			int want = x.checked && x.issue[k];

			count(&rows[CARE_NELEMENTS + k], want, got);
			if (want != got)
				mismatch(names[i], care_issue_name(k), want, &v.issues[k]);
		}
		care_verdict_free(&v);
		free(data);
		free(path);
		free(xpath);
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return 0;
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
	static const struct option longopts[] = {
		{"min-element", required_argument, NULL, 'E'},
		{"min-issue", required_argument, NULL, 'I'},
		{"min-scope", required_argument, NULL, 'S'},
		{"report-only", no_argument, NULL, 'R'},
		{NULL, 0, NULL, 0}
	};
	const char *conf = "conf/care-milter.conf";
	double min_el = 0, min_is = 0, min_sc = 0, ms = 0;
	struct counts rows[N_ROWS];
	unsigned n = 0;
	int c, fail = 0;

	memset(rows, 0, sizeof(rows));
	while ((c = getopt_long(argc, argv, "c:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'v': verbose = 1; break;
		case 'E': min_el = atof(optarg); break;
		case 'I': min_is = atof(optarg); break;
		case 'S': min_sc = atof(optarg); break;
		case 'R': min_el = min_is = min_sc = 0; break;
		default: return 2;
		}
	}
	struct engine *e = engine_load(conf, print_error, NULL);

	if (e == NULL)
		return 2;
	for (int i = optind; i < argc; i++)
		if (run_dir(e, argv[i], rows, &n, &ms) < 0)
			return 2;
	printf("%-22s %9s %9s %5s %5s %5s   (%u messages, %.2f ms each)\n",
	    "", "precision", "recall", "tp", "fp", "fn", n, n ? ms / n : 0.0);
	for (int r = 0; r < N_ROWS; r++) {
		const char *name = r < CARE_NELEMENTS ? care_element_name(r)
		    : r < CARE_NELEMENTS + CARE_NISSUES ? care_issue_name(r - CARE_NELEMENTS)
		    : r == N_ROWS - 2 ? "scope: checked" : "scope: skipped";
		double p = ratio(rows[r].tp, rows[r].tp + rows[r].fp);
		double rc = ratio(rows[r].tp, rows[r].tp + rows[r].fn);
		double min = r < CARE_NELEMENTS ? min_el
		    : r < CARE_NELEMENTS + CARE_NISSUES ? min_is : min_sc;
		int bad = p < min || rc < min;

		printf("%-22s %9.3f %9.3f %5u %5u %5u%s\n", name, p, rc,
		    rows[r].tp, rows[r].fp, rows[r].fn, bad ? "   BELOW THRESHOLD" : "");
		fail |= bad;
	}
	engine_unref(e);
	return fail;
}
