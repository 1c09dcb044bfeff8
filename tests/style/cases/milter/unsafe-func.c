/*
 * unsafe-func.c - milter/ code calling what it must not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
unsafe_func(char *dst, const char *src)
{
	sprintf(dst, "%s", src);
	strcpy(dst, src);
	strcpy(dst, "a literal is fine");
	strcat(dst, src);
	(void)strtok(dst, ",");
	(void)system("true");
	pclose(popen("true", "r"));
	snprintf(dst, 8, "%s", src);	/* fine */
}
