/*
 * keyword-space.c - a keyword stuck to its parenthesis.
 */
static int
keyword_space(int a)
{
	if(a)
		return(a);
	while(a > 0)
		a--;
	for(; a < 3; a++)
		switch(a) {
		default:
			break;
		}
	return a;
}
