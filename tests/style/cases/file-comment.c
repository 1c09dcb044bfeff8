/* file-comment.c: the block starts on the line of its opener. */
static int file_comment_x;
