/*
 * func-brace.c - a function's brace on the line of its name.
 */
static int
func_brace(void) {
	return 0;
}

static int
func_brace_args(int a,
    int b) {
	return a + b + func_brace();
}

struct func_brace_s {
	int x;
};
