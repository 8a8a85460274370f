/* run_prepare.h — the theory numbers `lorascope run` needs for its rows. The rows need X*,
 * and α̂, β̂ only where the threshold column is 2α̂/β̂ (the problem knows no exact α, β) or a
 * lesson (lesson: its rules and captions may read them); otherwise the estimate is only begun
 * at the state (the numbers depend on that state, not on when they are drawn) and drawn with
 * the summary. */
#ifndef LORASCOPE_CLI_RUN_PREPARE_H
#define LORASCOPE_CLI_RUN_PREPARE_H

#include <stdbool.h>

#include "lorascope/session.h"
#include "lorascope/status.h"

/* Before the first row: the session's X* (begun with it: ls_session_create_deferred) and
 * α̂, β̂ begun at step 0, drawn too when the rows need them, in slices (the same numbers, bit
 * for bit, as at once) so that when they take more than 0.2 s a line on a terminal's stderr
 * says how far they are (wiped when they are done). */
ls_status ls_run_prepare(ls_session *s, bool lesson, ls_error *err);
/* Between rows: α̂, β̂ for the current baseline and rank (cached by the session: cheap when
 * known) begun at this state, drawn when the rows need them. */
ls_status ls_run_theory(ls_session *s, bool lesson, ls_error *err);

#endif
