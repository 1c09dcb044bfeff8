/*
 * case-indent.c - case labels one level further in than their switch.
 */
static int
case_indent(int a)
{
	switch (a) {
		case 0:
		a = 1;
		break;
	case 1:
		switch (a) {
		case 2:
			break;
			default:
			break;
		}
		break;
	}
	return a;
}
