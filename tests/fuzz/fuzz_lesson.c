/* fuzz_lesson.c — libFuzzer harness for the lesson parser (ls_lesson_parse on arbitrary
 * bytes). Besides memory and undefined-behaviour errors it checks the parser's promises:
 * a refused input gets one line "fuzz.lesson:LINE:COL: ..."; an accepted
 * lesson has consistent rule and action tables and a setup that configures a valid run. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/lesson.h"
#include "lorascope/lesson_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_lesson(const ls_lesson *l)
{
	size_t next = 0;
	for (size_t i = 0; i < l->nrules; i++) {
		const ls_lesson_rule *r = &l->rules[i];
		/* Each rule owns the next run of actions, at least one. */
		if (r->first != next || r->count == 0 || r->ncond > LS_LESSON_MAX_CONDS ||
		    (r->is_when && r->ncond == 0) || r->step < 0 || r->step > LS_LESSON_MAX_STEP ||
		    r->pos.line == 0 || r->pos.col == 0)
			abort();
		next += r->count;
	}
	if (next != l->nactions)
		abort();
	for (size_t i = 0; i < l->nactions; i++) {
		const ls_lesson_action *a = &l->actions[i];
		if ((a->kind == LS_LESSON_SET &&
		     (!a->name || !a->text || !ls_param_find(a->name))) ||
		    (a->kind == LS_LESSON_CAPTION && (!a->text || strlen(a->text) > 1u << 20)))
			abort();
	}
	ls_config c;
	ls_config_defaults(&c);
	ls_error err;
	if (ls_lesson_configure(l, &c, &err) != LS_OK || ls_config_check(&c, &err) != LS_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ls_lesson *l;
	ls_error err;
	ls_error_clear(&err);
	ls_status st = ls_lesson_parse("fuzz.lesson", (const char *)data, size, &l, &err);
	if (st == LS_OK) {
		check_lesson(l);
		ls_lesson_free(l);
	} else if (l != NULL || (st == LS_EFORMAT && (strncmp(err.msg, "fuzz.lesson:", 12) != 0 ||
						      strchr(err.msg, '\n') != NULL))) {
		abort();
	}
	return 0;
}
