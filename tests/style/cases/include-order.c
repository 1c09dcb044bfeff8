/*
 * include-order.c - unsorted includes, <> after "".
 */
#include <string.h>
#include <stdio.h>

#include "good-header.h"
#include "crlf.h"

#include <stdlib.h>
