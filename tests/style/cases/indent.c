/*
 * indent.c - spaces where tabs belong, and odd continuations.
 */
static int
indent(int a, int b)
{
    int r = a;

	if (a > b &&
	     b > 0)
		r = b;
	 	return r;
}
