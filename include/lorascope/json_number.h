/* json_number.h — a double as a JSON value (jansson): the number, or null for NaN/Inf, which
 * JSON cannot hold. The one rule of every JSON document lorascope writes (snapshots,
 * checkpoints, inspect). */
#ifndef LORASCOPE_JSON_NUMBER_H
#define LORASCOPE_JSON_NUMBER_H

#include <math.h>

#include <jansson.h>

static inline json_t *ls_json_number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

#endif
