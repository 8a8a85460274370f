/* lesson.h — lessons: a small scenario language for teaching with lorascope, the parsed
 * lesson and its interpreter (SPEC §5, "scenario files that script a lesson"); the parser,
 * which reads files, is in lesson_parse.h.
 *
 * A lesson file sets up a run, then says what happens as it trains: at a step, or when a
 * condition on the run's metrics first holds, change a parameter, show a caption, pause
 * until a key, kick, reset or end the lesson. `lorascope --lesson FILE` plays it in the
 * TUI; `lorascope run --lesson FILE` plays it headless and prints the captions.
 *
 * THE LANGUAGE (line-oriented; UTF-8; columns in error messages count characters from 1)
 *
 *   file      = { line } ;
 *   line      = [ setup | rule ] [ comment ] end-of-line ;
 *   comment   = "#" { any character but end-of-line } ;
 *   setup     = top { ";" top } [ ";" ] ;
 *   top       = "title" text                      (the lesson's name; at most once)
 *             | "set" NAME VALUE ;                (a parameter before the run starts)
 *   rule      = trigger ":" action { ";" action } [ ";" ] ;
 *   trigger   = "at" STEP                         (once, when the lesson clock reaches STEP)
 *             | [ "after" STEP ] "when" cond { "and" cond } ;
 *                                                 (once, the first time every cond holds,
 *                                                  not before the lesson clock reaches STEP)
 *   cond      = "diverged"                        (the run has diverged: NaN/Inf)
 *             | VAR OP NUMBER
 *             | "verdict" EQ VERDICT              (Kim-Kim-Ryu's verdict on the state)
 *             | "regime" EQ REGIME ;              (special or generic regime)
 *   VAR       = "step" | "loss" | "grad" | "rank" | "rstar" | "ratio" | "norm" | "dist" ;
 *   OP        = "<" | "<=" | ">" | ">=" | "==" | "!=" ;
 *   EQ        = "==" | "!=" | "is" ;                ("is" means "==")
 *   VERDICT   = "not-stationary" | "saddle" | "global" | "spurious" | '"n/a"' ;
 *   REGIME    = "special" | "generic" | '"n/a"' ;
 *                                  (the names of theory.h and the run summary; a name may
 *                                   be quoted, and "n/a" must be, "/" not being a word
 *                                   character)
 *   action    = "set" NAME VALUE                  (change a parameter, as the TUI's keys do)
 *             | "caption" text                    (show a caption)
 *             | "pause"                           (wait for a key; headless: ignored)
 *             | "kick" [ NUMBER ]                 (perturb the factors; default scale 0.1)
 *             | "reset"                           (back to step 0, same initialisation)
 *             | "stop" ;                          (the lesson is over)
 *   text      = STRING { STRING } ;               (adjacent strings are joined; a caption
 *                                                  may quote live values: "{" FIELD "}")
 *   FIELD     = "step" | "loss" | "grad" | "rank" | "rstar" | "ratio" | "norm" | "dist"
 *             | "threshold" | "alpha" | "beta" | "verdict" | "regime" ;
 *   STRING    = '"' { character | '\"' | '\\' | '\n' } '"' ;   (on one line)
 *   NAME      = a parameter of `lorascope run --help`, without "--" (lambda, lr, rank, ...);
 *   VALUE     = a word or a STRING, checked as --NAME checks it (type, range, choices);
 *   STEP      = a whole number of steps, 0 ≤ STEP ≤ 10^12;
 *   NUMBER    = a finite decimal number (1e-3, 0.5, 4).
 * Words are runs of letters, digits and "_ . + -"; blanks (spaces, tabs) separate tokens.
 * A backslash as the last non-blank character of a line continues the line on the next
 * one (so a long caption can be written as several strings over several lines).
 *
 * MEANING
 * - The setup lines are applied, in order, to the run's parameters before it starts; they
 *   must come before the first rule, and applied to the defaults they must pass
 *   ls_config_check (rank ≤ min(m, n), ...); a problem's own demands (trace2's square
 *   shape) are checked when the session is built.
 * - The lesson clock counts the steps run since the lesson began, across restarts (an init
 *   or problem change restarts the session at step 0; the clock goes on). "at" and "after"
 *   use the clock; the condition variable "step" is the session's own step count.
 * - Condition variables, from the session's metrics (metrics.h) of the current state:
 *     step the session's step; loss f(X); grad ‖∇g(A, B)‖; rank the numerical rank of X;
 *     rstar r* of the full fine-tuning baseline; ratio σ_r/σ_{r*}; norm ‖X‖_F;
 *     dist ‖X − X*‖_F. rstar, ratio and dist are undefined (NaN) without a baseline, and
 *     a comparison with an undefined value is false.
 * - regime: module 0's regime as the metrics carry it (theory.h, MATH.md §4): from the exact
 *   α, β where the problem knows them, else from the session's cached α̂, β̂ (estimated by
 *   the TUI's theory panel or by a verdict evaluation below); undefined until either exists.
 *   Reading it costs nothing.
 * - verdict: the verdict of ls_session_theory_report (Corollary 1 / Theorem 2, MATH.md §5)
 *   on the current state. That report (Lanczos on the Hessian, dense spectra, and α̂, β̂
 *   estimated once per baseline and rank) is far too expensive for every step, so:
 *   · undefined (every comparison false) without a baseline or after a divergence;
 *   · first a cheap gate, the report's own stationarity test on the metrics' numbers:
 *     ‖∇g‖·max(‖θ‖_F, 1) ≤ 1.01·grad_tol·max(f(0), |g|), θ = (A, B), f(0) from the
 *     baseline, grad_tol of ls_theory_opts (1e-4; 1 % slack for the rounding between the
 *     factored and the dense gradient). When it fails the verdict is "not-stationary",
 *     answered without a report;
 *   · when it holds, the report is computed, at most once every LS_LESSON_VERDICT_EVERY
 *     (100) steps of the lesson clock; until the next one is due the verdict is undefined
 *     (neither == nor != holds);
 *   · the verdict found serves every rule tested in the same poll, until an action of a
 *     rule that fires changes the run (set, kick, reset): then it is taken again by the
 *     same steps (gate, then a report if one is due). A report is computed only for a
 *     rule whose other conditions all hold;
 *   · the instruments draw from their own stream, so evaluating the verdict never changes
 *     the training; it fills the metrics' α̂, β̂ (and so the estimated regime) as a side
 *     effect, like the TUI's theory panel.
 *   So a rule on the verdict fires up to LS_LESSON_VERDICT_EVERY steps after the first
 *   step at which the verdict holds, and a verdict (a saddle) that holds for fewer steps
 *   than that may be missed; a rule on "verdict == not-stationary" alone never waits.
 *   ls_lesson_run_reports counts the reports computed.
 * - A caption's "{FIELD}" is replaced, when the caption is shown, by the value at that
 *   moment, formatted as the TUI shows numbers (up to 4 significant digits: 0.09897,
 *   4.83e-5): the condition variables above, and threshold (the 2α/β that σ_r/σ_{r*} is
 *   compared with: exact where the problem knows α, β, else 2α̂/β̂), alpha, beta (module
 *   0's, exact or estimated likewise), verdict and regime (their names above). A theory
 *   field estimates α̂, β̂ first when they are not cached (as "run" does before every
 *   step); verdict is this poll's verdict, evaluated as for a condition. Undefined values
 *   read "n/a". Braces around anything but a FIELD name are kept as written ("#{i : ...}");
 *   "{name}" with a word that is not a FIELD is an error.
 * - Each rule fires at most once. When several rules are due together, "at" rules fire in
 *   order of STEP (file order among equal steps), then "when" rules in file order, each
 *   tested on the state left by the rules before it. The actions of a rule apply in order,
 *   all at once: a pause asks the front-end to wait before the next step.
 * - A "set" that the session refuses at run time (a rank above min(m, n), say) is reported
 *   as an event and the lesson goes on.
 *
 * EXAMPLE
 *   title "Weight decay makes the minimum low-rank"
 *   set problem approx; set rank 8; set lambda 0.01
 *   at 0:     caption "Small lambda: every direction of the target is kept."
 *   at 2000:  set lambda 0.3; caption "Raise lambda and watch the rank drop."; pause
 *   when rank <= 2: caption "Only two directions survive the shrinkage."
 *   after 2000 when verdict == global: caption "Theory: a global minimum (Corollary 1)."
 *   at 6000:  stop
 *
 * Errors name the file, the line and the column: "FILE:LINE:COL: message", one line. */
#ifndef LORASCOPE_LESSON_H
#define LORASCOPE_LESSON_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/config.h"
#include "lorascope/session.h"
#include "lorascope/status.h"

/* Largest STEP. */
#define LS_LESSON_MAX_STEP 1000000000000L
/* Most conditions joined by "and" in one trigger. */
#define LS_LESSON_MAX_CONDS 8
/* Scale of a "kick" without a number. */
#define LS_LESSON_KICK_SCALE 0.1
/* Fewest lesson-clock steps between two theory reports for "verdict" conditions. */
#define LS_LESSON_VERDICT_EVERY 100
/* Slack of the stationarity gate of "verdict" conditions over the report's grad_tol. */
#define LS_LESSON_GATE_SLACK 1.01

/* Longest caption after its fields are replaced (longer is cut). */
#define LS_LESSON_TEXT_MAX 1024

/* Caption fields beyond the condition variables: id, name, what it quotes. */
#define LS_LESSON_FIELD_LIST(X)                                                            \
	X(LS_LESSON_FIELD_THRESHOLD, "threshold", "2 alpha/beta, compared with the ratio") \
	X(LS_LESSON_FIELD_ALPHA, "alpha", "module 0's alpha (exact, else estimated)")      \
	X(LS_LESSON_FIELD_BETA, "beta", "module 0's beta (exact, else estimated)")

/* Whether name (len bytes) is a caption field: a condition variable but "diverged", or
 * one of LS_LESSON_FIELD_LIST. */
bool ls_lesson_field_known(const char *name, size_t len);

/* Condition variables: id, name, what it reads (documentation and the man page). */
#define LS_LESSON_VAR_LIST(X)                                                       \
	X(LS_LESSON_VAR_STEP, "step", "the session's step count")                   \
	X(LS_LESSON_VAR_LOSS, "loss", "f(X)")                                       \
	X(LS_LESSON_VAR_GRAD, "grad", "the gradient norm of g(A, B)")               \
	X(LS_LESSON_VAR_RANK, "rank", "numerical rank of X")                        \
	X(LS_LESSON_VAR_RSTAR, "rstar", "rank r* of the baseline's X*")             \
	X(LS_LESSON_VAR_RATIO, "ratio", "sigma_r / sigma_r* of X")                  \
	X(LS_LESSON_VAR_NORM, "norm", "Frobenius norm of X")                        \
	X(LS_LESSON_VAR_DIST, "dist", "Frobenius distance from X to X*")            \
	X(LS_LESSON_VAR_DIVERGED, "diverged", "the run has diverged (used alone)")  \
	X(LS_LESSON_VAR_VERDICT, "verdict", "the theory verdict (== or != a name)") \
	X(LS_LESSON_VAR_REGIME, "regime", "module 0's regime (== or != a name)")

typedef enum {
#define LS_LESSON_VAR_ENUM(id, name, help) id,
	LS_LESSON_VAR_LIST(LS_LESSON_VAR_ENUM)
#undef LS_LESSON_VAR_ENUM
		LS_LESSON_VAR_COUNT
} ls_lesson_var;

extern const char *const ls_lesson_var_names[LS_LESSON_VAR_COUNT + 1];

typedef enum {
	LS_LESSON_LT,
	LS_LESSON_LE,
	LS_LESSON_GT,
	LS_LESSON_GE,
	LS_LESSON_EQ,
	LS_LESSON_NE
} ls_lesson_op;

typedef enum {
	LS_LESSON_SET,
	LS_LESSON_CAPTION,
	LS_LESSON_PAUSE,
	LS_LESSON_KICK,
	LS_LESSON_RESET,
	LS_LESSON_STOP
} ls_lesson_action_kind;

/* Where a construct starts in the file (1-based; col counts characters). */
typedef struct {
	size_t line, col;
} ls_lesson_pos;

typedef struct {
	ls_lesson_action_kind kind;
	ls_lesson_pos pos;
	const char *name; /* SET: the parameter name */
	const char *text; /* SET: the value as written; CAPTION: the caption */
	double scale;     /* KICK */
} ls_lesson_action;

typedef struct {
	ls_lesson_var var;
	ls_lesson_op op; /* unused for LS_LESSON_VAR_DIVERGED; EQ or NE for VERDICT, REGIME */
	double value;    /* VERDICT: an ls_verdict; REGIME: an ls_regime (as a double) */
} ls_lesson_cond;

typedef struct {
	bool is_when; /* false: "at" */
	long step;    /* "at" STEP, or the "after" STEP of a "when" (0 without one) */
	size_t ncond;
	ls_lesson_cond cond[LS_LESSON_MAX_CONDS];
	size_t first, count; /* its actions: actions[first .. first + count - 1] */
	ls_lesson_pos pos;
} ls_lesson_rule;

/* A setup line's "set NAME VALUE". */
typedef struct {
	const char *name, *value;
	ls_lesson_pos pos;
} ls_lesson_setting;

/* A parsed lesson. Read-only for front-ends; every string lives as long as the lesson. */
typedef struct ls_lesson {
	const char *file;  /* the name used in messages */
	const char *title; /* NULL without a "title" line */
	size_t nsetup, nrules, nactions;
	ls_lesson_setting *setup;
	ls_lesson_rule *rules;     /* in file order */
	ls_lesson_action *actions; /* in file order */
	char *arena;               /* storage of every string above */
} ls_lesson;

/* ---- The interpreter: plays a lesson on a session. No I/O: it returns events for the
 * front-end to show. Use:
 *     ls_lesson_run_new(&run, lesson)                    after ls_session_create
 *     loop: ls_lesson_run_poll(run, session, &ev, &nev)  before each step or batch
 *           show the events (captions; pause: wait for a key; stop: end)
 *           k = ls_lesson_run_budget(run), capped by the front-end's own batch size
 *           ls_session_step(session, k)
 * The interpreter reads the session's step count at every poll, so steps the front-end
 * runs, and restarts it makes (the TUI's reset key, say), are accounted for. */

typedef enum {
	LS_LESSON_EV_CAPTION, /* show action->text */
	LS_LESSON_EV_PAUSE,   /* wait for a key before the next step (headless: ignore) */
	LS_LESSON_EV_SET,     /* action->name was set to action->text */
	LS_LESSON_EV_KICK,    /* the factors were kicked with action->scale */
	LS_LESSON_EV_RESET,   /* the run went back to step 0 */
	LS_LESSON_EV_REFUSED, /* the session refused the action: msg says why */
	LS_LESSON_EV_STOP     /* the lesson is over */
} ls_lesson_event_kind;

typedef struct {
	ls_lesson_event_kind kind;
	long clock; /* the lesson clock when the rule fired */
	long step;  /* the session's step when the rule fired */
	const ls_lesson_rule *rule;
	const ls_lesson_action *action;
	char msg[LS_ERROR_MSG_MAX];    /* REFUSED: the session's message; else empty */
	char text[LS_LESSON_TEXT_MAX]; /* CAPTION: the caption, its fields replaced */
	/* SET, KICK, RESET: what the session did (its ls_change record); else kind NONE. */
	ls_change change;
} ls_lesson_event;

typedef struct ls_lesson_run ls_lesson_run;

/* A player for l (which must outlive it), at lesson clock 0 with no rule fired. */
ls_status ls_lesson_run_new(ls_lesson_run **out, const ls_lesson *l, ls_error *err);
void ls_lesson_run_free(ls_lesson_run *r);

/* Advance the lesson clock by the steps s ran since the last poll (a session whose step
 * count went down was restarted: its count since the restart is added), fire every rule
 * that is due, applying its actions to s, and return this poll's events in order in
 * (*ev)[0 .. *nev-1] (valid until the next poll). Errors other than a refused change
 * (LS_ENOMEM, a numerical failure, also in a verdict's theory report) are returned as they
 * come from the session. */
ls_status ls_lesson_run_poll(ls_lesson_run *r, ls_session *s, const ls_lesson_event **ev,
			     size_t *nev, ls_error *err);
/* Steps the front-end may run before the next poll without passing an "at" or "after"
 * step: 1 while a "when" rule is being tested (so it fires at the first step its condition
 * holds), LONG_MAX when no rule is left, 0 after "stop". */
long ls_lesson_run_budget(const ls_lesson_run *r);
/* The lesson clock after the last poll. */
long ls_lesson_run_clock(const ls_lesson_run *r);
/* true after a "stop" action. */
bool ls_lesson_run_stopped(const ls_lesson_run *r);
/* true when every rule has fired (or the lesson stopped): nothing more will happen. */
bool ls_lesson_run_finished(const ls_lesson_run *r);
/* Theory reports computed so far for "verdict" conditions (see MEANING above). */
long ls_lesson_run_reports(const ls_lesson_run *r);
/* Every event since the start, in order (for a caption history). */
const ls_lesson_event *ls_lesson_run_events(const ls_lesson_run *r, size_t *n);

/* One line describing ev for a message line or a headless log, e.g.
 *   "[step 2000] Raise lambda and watch the rank drop."     (a caption)
 *   "[step 2000] set lambda 0.3"   "[step 2000] pause"   "[step 6000] stop"
 *   "[step 2000] refused: set rank 99 (line 7): --rank: 99 exceeds min(m, n) = 64"
 * using the lesson clock. A caption's own newlines are kept. Truncated to fit len. */
void ls_lesson_event_format(const ls_lesson_event *ev, char *buf, size_t len);
/* The same line without its "[step N] " (for logs that give ev->clock on their own). */
void ls_lesson_event_text(const ls_lesson_event *ev, char *buf, size_t len);

#endif
