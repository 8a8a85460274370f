/* worker.h — the TUI's training thread: it owns the session, applies commands queued by
 * the UI thread between steps, steps in batches bounded by time, and publishes copies
 * (ls_view) through a double buffer. The UI thread never touches the session.
 * No curses here. */
#ifndef LORASCOPE_TUI_WORKER_H
#define LORASCOPE_TUI_WORKER_H

#include <stdbool.h>

#include "lorascope/config.h"
#include "lorascope/inputs.h"
#include "lorascope/status.h"
#include "keys.h"
#include "view.h"

typedef enum {
	LS_CMD_SET,      /* param := text (a file parameter with its matrix mat) */
	LS_CMD_SCALE,    /* REAL param *= factor */
	LS_CMD_ADD,      /* INT param += delta */
	LS_CMD_CYCLE,    /* CHOICE param to the next (delta +1) or previous (−1) choice */
	LS_CMD_PAUSE,    /* toggle pause */
	LS_CMD_STEP,     /* pause, then one step */
	LS_CMD_RESET,    /* back to step 0 (also leaves the diverged state) */
	LS_CMD_KICK,     /* perturb the factors */
	LS_CMD_TRACE,    /* write the history as a trace (trace.h) to text (a file name; empty:
			  * lorascope-trace-stepN.csv, N the step it ends at) */
	LS_CMD_SNAPSHOT, /* save the session to the directory text (snapshot.h; empty:
			  * lorascope-stepN, N the step it holds) */
	LS_CMD_PEFT,     /* save the adapter as a Trainer checkpoint (peft_save.h) in the
			  * worker's --save-peft directory */
	LS_CMD_SPEED,    /* multiply the steps-per-second cap by factor (0 cap: unlimited) */
	LS_CMD_FFWD      /* a lesson: run with no speed cap until its next caption or pause */
} ls_cmd_kind;

typedef struct {
	ls_cmd_kind kind;
	char param[32];
	char text[192];
	double factor;
	/* LS_CMD_SET of a file parameter: the matrix the UI thread loaded from text (data NULL:
	 * none); owned by the command: the worker frees it, or the pusher when the push fails. */
	ls_mat mat;
	unsigned long seq; /* filled by ls_worker_push */
} ls_cmd;

typedef struct ls_worker ls_worker;

/* Where LS_CMD_PEFT writes without --save-peft (in the current directory). */
#define LS_WORKER_SAVE_PEFT_DIR "lorascope-run"

/* Largest steps-per-second cap; doubling past it means unlimited. */
#define LS_WORKER_SPEED_MAX 1048576.0

typedef struct {
	const ls_config *cfg;           /* the session's parameters (unless resume) */
	ls_inputs *inputs;              /* the matrices of cfg's files (NULL: none), moved into the
					 * worker: *inputs is left empty */
	const char *resume;             /* a snapshot directory to continue (NULL: none) */
	const char *save_peft;          /* where LS_CMD_PEFT writes (NULL: the default) */
	const struct ls_lesson *lesson; /* played on the session (NULL: none); must outlive
					 * the worker */
	bool paused;
	double speed; /* steps-per-second cap (0: unlimited) */
	int notify_fd;
	const char *message;   /* the first message (an error: a bad line of the defaults file);
				* NULL: "training; press ? for help" */
	const ls_keymap *keys; /* the UI's key map, copied for the keys the messages name
				* (NULL: the defaults) */
	/* Seconds to wait for the session before returning (negative: until it is made). */
	double start_wait;
} ls_worker_opts;

/* Start the thread, which makes the session (from o->cfg, or loaded from o->resume) before
 * anything else; wait up to o->start_wait for it. A failure within the wait is returned
 * (nothing started); after it the thread goes on making the session, no view is published
 * until it is made (pub_seq 0), commands wait in the queue, and a failure then comes as a
 * view with failed set and the error in event. notify_fd (≥ 0) receives one byte per
 * publication so the UI can poll it. The cap paces the steps with a token bucket; commands
 * are applied and views published at once whatever the cap. */
ls_status ls_worker_start_opts(ls_worker **w, const ls_worker_opts *o, ls_error *err);
/* The same for a new session from cfg, unlimited speed, no lesson, waiting until the
 * session is made. */
ls_status ls_worker_start(ls_worker **w, const ls_config *cfg, bool paused, int notify_fd,
			  ls_error *err);
/* Whether the thread is still making the session (a stop would wait for it). */
bool ls_worker_building(ls_worker *w);
/* Stop the thread and free everything. */
void ls_worker_stop(ls_worker *w);
/* Queue a command; returns its sequence number (0 when the queue is full). */
unsigned long ls_worker_push(ls_worker *w, const ls_cmd *c);
/* Lock the latest publication for reading; keep it short (one frame) and unlock. */
const ls_view *ls_worker_lock_view(ls_worker *w);
void ls_worker_unlock_view(ls_worker *w);

#endif
