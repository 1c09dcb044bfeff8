/*
 * fuzz_config.c - libFuzzer target: bytes as a configuration file.
 *
 * The input is written to a scratch file and read with config_load();
 * every error message goes through the error callback, which reads it
 * whole.  A configuration that loads must satisfy what the rest of the
 * engine assumes of it (the checks at the end of config_load).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_tmpfile(".conf", data, size);
	struct config *cf = NULL;
	size_t msgbytes = 0;
	int rc = config_load(path, &cf, fuzz_quiet, &msgbytes);

	if (cf == NULL)
		abort();
	if (rc == 0 && (cf->socket == NULL || cf->rule_files == NULL ||
	    cf->rule_files[0] == NULL || cf->header_prefix == NULL ||
	    cf->max_mime_depth == 0 || cf->max_mime_parts == 0 ||
	    cf->regex_match_limit == 0 || cf->regex_depth_limit == 0 ||
	    cf->max_message_bytes < cf->max_scan_bytes))
		abort();
	config_free(cf);
	return 0;
}
