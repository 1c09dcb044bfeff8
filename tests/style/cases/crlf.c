/*
 * crlf.c - a line ending in CR LF.
 */
static int crlf_x;
