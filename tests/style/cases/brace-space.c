/*
 * brace-space.c - no space before a block's brace.
 */
static int
brace_space(int a)
{
	if (a){
		a = 0;
	} else{
		a = 1;
	}
	while (a > 1){
		a--;
	}
	return a;
}
