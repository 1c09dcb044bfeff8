/*
 * space-before.c - a space before ',' and ';'.
 */
static int
space_before(int a , int b)
{
	a = b ;
	for (b = 0; ; b++)
		break;
	return a;
}
