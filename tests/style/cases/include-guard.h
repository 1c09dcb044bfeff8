/*
 * include-guard.h - a guard that is not CARE_INCLUDE_GUARD_H.
 */
#ifndef INCLUDE_GUARD_H
#define INCLUDE_GUARD_H

int include_guard_x(void);

#endif
