/*
 * label.c - an indented goto label.
 */
static int
label(int a)
{
	if (a)
		goto out;
	a = 1;
	out:
	return a;
}
