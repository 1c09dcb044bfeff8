/*
 * paren-space.c - spaces inside parentheses.
 */
static int
paren_space(int a)
{
	if ( a > 0)
		return (a );
	return paren_space(a - 1 /* a comment is not a space */);
}
