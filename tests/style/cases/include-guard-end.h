/*
 * include-guard-end.h - something after the #endif.
 */
#ifndef CARE_INCLUDE_GUARD_END_H
#define CARE_INCLUDE_GUARD_END_H

#endif

int include_guard_end_x(void);
