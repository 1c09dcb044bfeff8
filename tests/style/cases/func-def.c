/*
 * func-def.c - return type and name on one line; name not at column 0.
 */
static int func_def_a(void)
{
	return 0;
}

static int
	func_def_b(void)
{
	return 1;
}

static int
func_def_c(void)
{
	return func_def_a() + func_def_b();
}
