/*
 * final-newline.c - no newline after the last line.
 */
static int final_newline_x;