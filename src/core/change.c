/* change.c — ls_change_format: the one wording of a session's change records (session.h). */
#include <stdio.h>
#include <string.h>

#include "lorascope/session.h"

static const char *const cause_text[] = {
	[LS_DIVERGED_FACTORS] = "non-finite factors",
	[LS_DIVERGED_LOSS] = "non-finite loss or gradient",
};

void ls_change_format(const ls_change *ch, char *buf, size_t len)
{
	if (len == 0)
		return;
	const char *name = ls_params[ch->param].name;
	switch (ch->kind) {
	case LS_CHANGE_NONE:
		buf[0] = '\0';
		break;
	case LS_CHANGE_SET:
		if (strcmp(ch->from, ch->to) == 0 && !ch->restarted)
			snprintf(buf, len, "%s stays %s", name, ch->to); /* not "rank 8 -> 8" */
		else if (ch->apply == LS_APPLY_RANK)
			snprintf(buf, len, "rank %zu -> %zu (%s)", ch->r0, ch->r1,
				 ch->r1 > ch->r0 ? "X unchanged" : "best rank-r truncation");
		else if (ch->apply == LS_APPLY_INIT)
			snprintf(buf, len, "%s: %s -> %s: restarted from step 0 (init seed %lu)",
				 name, ch->from, ch->to, ch->restarts);
		else if (ch->apply == LS_APPLY_REBUILD)
			snprintf(buf, len, "%s: %s -> %s: new problem, restarted", name, ch->from,
				 ch->to);
		else
			snprintf(buf, len, "%s: %s -> %s", name, ch->from, ch->to);
		break;
	case LS_CHANGE_RESET:
		snprintf(buf, len, "reset to step 0");
		break;
	case LS_CHANGE_KICK:
		snprintf(buf, len, "kicked the factors (scale %g)", ch->scale);
		break;
	case LS_CHANGE_DIVERGED:
		snprintf(buf, len, "diverged at step %ld: %s", ch->step, cause_text[ch->cause]);
		break;
	case LS_CHANGE_RESUMED:
		snprintf(buf, len, "resumed from %s at step %ld", ch->from, ch->step);
		break;
	}
}
