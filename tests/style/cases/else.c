/*
 * else.c - 'else' away from the brace before it.
 */
static int
else_(int a)
{
	if (a) {
		a = 0;
	}
	else {
		a = 1;
	}
	if (a) {
		a = 2;
	}  else if (a > 3) {
		a = 3;
	}
	return a;
}
