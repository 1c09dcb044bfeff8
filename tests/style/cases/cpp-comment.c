/*
 * cpp-comment.c - a // comment.
 */
static int cpp_comment_x;	// like this
static const char *cpp_comment_url = "http://not.a.comment/";
