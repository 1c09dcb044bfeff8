/*
 * trailing-space.c - a space and a tab at line ends.
 */
static int trailing_space_x; 
static int trailing_space_y;	

static int trailing_space_z;
