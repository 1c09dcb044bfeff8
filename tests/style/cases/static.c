/*
 * static.c - a function neither static nor declared in a header.
 */
int
static_exported(void)
{
	return 0;
}

static int
static_helper(void)
{
	return static_exported();
}

int
main(void)
{
	return static_helper();
}
