/*
 * another-name.c - the block names another file.
 */
static int file_comment_name_x;
