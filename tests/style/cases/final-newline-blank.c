/*
 * final-newline-blank.c - a blank line at the end.
 */
static int final_newline_blank_x;

