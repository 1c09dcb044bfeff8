/*
 * blank-lines.c - two blank lines in a row.
 */
static int blank_lines_x;


static int blank_lines_y;
