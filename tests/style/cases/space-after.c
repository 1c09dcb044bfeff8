/*
 * space-after.c - no space after ',' and after ';' in for.
 */
static int
space_after(int a,int b)
{
	for (b = 0;b < a;b++)
		a--;
	return a;
}
