/*
 * op-space.c - operators without spaces around them.
 */
static int
op_space(int a, int b)
{
	int c=a;

	c +=b;
	if (a==b || (a!=c&&b <= c))
		c<<= 1;
	return c >=a ? -c : c;
}
