/*
 * good-header.h - a header that passes every check.
 */
#ifndef CARE_GOOD_HEADER_H
#define CARE_GOOD_HEADER_H

#include <stddef.h>

int good_exported(int x);

#endif
