/* ahead.h — pure: what a key's command will show before the worker has applied it. The UI
 * thread never waits on the worker to show a key's change: a parameter's new value (the
 * worker's own rule, ls_cmd_value), a pause and a speed key are worked out from the last
 * published view and drawn at once, marked pending, until the view says the worker has
 * applied the command; a refusal then puts the applied value back, with the worker's message.
 * The other commands (reset, kick, one step, files, the problem) show when applied. No curses,
 * no clock, no thread. */
#ifndef LORASCOPE_TUI_AHEAD_H
#define LORASCOPE_TUI_AHEAD_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/config.h"
#include "view.h"
#include "worker.h"

/* The state the commands pushed up to seq will leave (seq 0: none pending). */
typedef struct {
	unsigned long seq;
	ls_config cfg;
	bool paused;
	double speed; /* the steps-per-second cap, 0 unlimited */
} ls_ahead;

/* The text parameter command c (SET, SCALE, ADD, CYCLE) sets its parameter to from cfg, as
 * the worker sets it, into val; false when it sets no value this way: another kind, a
 * parameter not of the command's type, a file parameter or the problem (their own rules), an
 * ADD below the parameter's range. */
bool ls_cmd_value(const ls_config *cfg, const ls_cmd *c, char *val, size_t len);
/* The CHOICE parameter p's choice delta steps from its value in cfg (wrapping around). */
int ls_cmd_choice_next(const ls_config *cfg, const ls_param_info *p, int delta);

/* Command c, pushed as seq while v was the last published view: its effect folded into a
 * (starting from v when nothing is pending). True when its change is shown ahead; false when
 * only the worker can show it (nothing is shown ahead then until it is applied). */
bool ls_ahead_push(ls_ahead *a, const ls_view *v, const ls_cmd *c, unsigned long seq);
/* The state to show over the view v: a while its commands are pending (a->seq beyond
 * v->applied_seq), else NULL. */
const ls_ahead *ls_ahead_shown(const ls_ahead *a, const ls_view *v);

#endif
