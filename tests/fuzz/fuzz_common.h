/*
 * fuzz_common.h - shared by the libFuzzer targets in tests/fuzz.
 *
 * fuzz_top() finds the source tree (for conf/): $CARE_TOP if set, else
 * the first folder above the executable that holds conf/care-milter.conf.
 * fuzz_tmpfile() gives each process one scratch file that the parser
 * targets rewrite for every input.
 */
#ifndef CARE_FUZZ_COMMON_H
#define CARE_FUZZ_COMMON_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_top_dir[PATH_MAX];

static int
fuzz_has_conf(const char *dir)
{
	char p[PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s/conf/care-milter.conf", dir);
	return access(p, R_OK) == 0;
}

static const char *
fuzz_top(const char *argv0)
{
	const char *env = getenv("CARE_TOP");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(fuzz_top_dir, sizeof(fuzz_top_dir), "%s", env);
		return fuzz_top_dir;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0)
		exe[n] = '\0';
	else if (argv0 == NULL || realpath(argv0, exe) == NULL)
		return NULL;
	for (;;) {
		char *slash = strrchr(exe, '/');

		if (slash == NULL)
			return NULL;
		*slash = '\0';
		if (fuzz_has_conf(*exe ? exe : "/")) {
			snprintf(fuzz_top_dir, sizeof(fuzz_top_dir), "%s", *exe ? exe : "/");
			return fuzz_top_dir;
		}
		if (*exe == '\0')
			return NULL;
	}
}

/* Errors are expected on fuzzed input: look at each, print none. */
static void
fuzz_quiet(void *arg, const char *msg)
{
	size_t *n = arg;

	if (n)
		*n += strlen(msg);
}

static char fuzz_tmp_path[PATH_MAX];

static void
fuzz_tmp_remove(void)
{
	if (fuzz_tmp_path[0])
		unlink(fuzz_tmp_path);
}

/* Rewrite this process's scratch file with 'data'; returns its path.
 * It is removed at exit (not after a crash: it is in $TMPDIR). */
static const char *
fuzz_tmpfile(const char *suffix, const unsigned char *data, size_t size)
{
	char *path = fuzz_tmp_path;
	FILE *fp;

	if (path[0] == '\0') {
		const char *dir = getenv("TMPDIR");

		snprintf(path, sizeof(fuzz_tmp_path), "%s/care-fuzz-%ld%s",
		    dir && *dir ? dir : "/tmp", (long)getpid(), suffix);
		atexit(fuzz_tmp_remove);
	}
	if ((fp = fopen(path, "wb")) == NULL) {
		perror(path);
		abort();
	}
	if (size && fwrite(data, 1, size, fp) != size) {
		perror(path);
		abort();
	}
	fclose(fp);
	return path;
}


#endif
