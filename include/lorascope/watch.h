/* watch.h — the model of a training run on disk, for `lorascope watch DIR`: the checkpoints
 * found in DIR, each module's update ΔW analysed once per checkpoint, the drift between
 * consecutive checkpoints, and the training curves of trainer_state.json.
 *
 * Layouts of DIR (decided again at every refresh):
 *  - every subdirectory that is an adapter (it holds adapter_model.safetensors,
 *    adapter_model.bin or adapter_config.json), or is named checkpoint-N (the Trainer's
 *    layout, possibly still empty), is a checkpoint; hidden ones and tmp-checkpoint-* are not;
 *  - without any, DIR itself when it is an adapter: one checkpoint, named after DIR. (A
 *    Trainer's final adapter saved in DIR beside checkpoint-N/ is not one of them.)
 * Checkpoints are ordered naturally by name (checkpoint-500 before checkpoint-1000); step is
 * N of checkpoint-N, or -1. A checkpoint is analysed once, when it is complete: its adapter
 * loads (ls_adapter_load: every size consistent) and its adapter_config.json parses. Until
 * then it is *pending*: retried at each refresh after one of its files changed (size, mtime),
 * never reported as an error by the model (the caller decides: ls_watch_pending_at). A
 * checkpoint that disappears (save_total_limit) is dropped, and the drift of the one after it
 * is computed again against the previous one still present.
 *
 * Drift (MATH.md §8, ls_lowrank_drift): per module, against the nearest earlier checkpoint
 * having the module: relative change ‖ΔW_t − ΔW_p‖_F/‖ΔW_p‖_F and principal angles between
 * the column spaces. The singular bases are kept for the newest analysed checkpoint only; an
 * older one is read again when a drift against it is needed (a checkpoint inserted or removed
 * before the newest), so at most two checkpoints' bases are in memory at once.
 *
 * Curves: log_history of the newest trainer_state.json (DIR/trainer_state.json or the last
 * checkpoint's, whichever was modified last), one row per log_history entry.
 *
 * Changes: inotify on DIR and on each pending checkpoint (ls_watch_fd to poll()), or, when
 * inotify is unavailable, DIR is on NFS/CIFS/SMB/FUSE (statfs) or opts.poll is set, no
 * descriptor: the caller calls ls_watch_refresh every opts.interval seconds. Either way a
 * refresh rescans DIR's listing, so a missed event costs at most one period.
 *
 * The model is not thread-safe: one thread at a time (the TUI may refresh on its own thread
 * and hand copies over). Pointers returned by the accessors stay valid until the next
 * ls_watch_refresh or ls_watch_free. */
#ifndef LORASCOPE_WATCH_H
#define LORASCOPE_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/status.h"

typedef struct {
	bool poll;       /* force polling (no inotify) */
	double interval; /* polling period in seconds (> 0); also ls_watch_interval */
} ls_watch_opts;

/* Bits of ls_watch_refresh's *changed. */
#define LS_WATCH_ADDED 1u    /* one or more checkpoints were analysed (ls_watch_ckpt.seq) */
#define LS_WATCH_REMOVED 2u  /* one or more checkpoints disappeared */
#define LS_WATCH_MODULES 4u  /* the module set grew or shrank: module indices may have moved */
#define LS_WATCH_CURVES 8u   /* the curves were read again */
#define LS_WATCH_DRIFT 16u   /* an existing checkpoint's drift was computed again */
#define LS_WATCH_PENDING 32u /* the set of pending checkpoints changed */

/* One module at one checkpoint. */
typedef struct {
	bool present;  /* the checkpoint has this module (all else is zero/NULL when not) */
	size_t k;      /* number of singular values: min(r, out, in) */
	double *sigma; /* σ(ΔW), k values descending (NaN when the factors are not finite) */
	double fro, spec, stable_rank; /* ‖ΔW‖_F, ‖ΔW‖_2, ‖ΔW‖_F²/‖ΔW‖_2² */
	double effective_rank;         /* Roy–Vetterli exp(entropy of σ/Σσ) */
	size_t noise_rank;             /* σ above the Marchenko–Pastur floor (adapter.h) */
	/* Against the nearest earlier checkpoint having the module: drift = relative change
	 * ‖ΔW − ΔW_prev‖_F/‖ΔW_prev‖_F, angle_max = the largest principal angle between the
	 * column spaces in degrees. Each NaN when not defined, and then drift_why says why (a
	 * static phrase: "first checkpoint", "new module", "shape changed", "reference dW = 0",
	 * "dW = 0" (drift 1, no angle), "non-finite singular values"); NULL when both are. */
	double drift, angle_max;
	const char *drift_why;
	double *angles; /* the principal angles in degrees, ascending (NULL when nangles = 0) */
	size_t nangles;
	unsigned flags; /* LS_AF(...) bits as ls_adapter_load sets them among this checkpoint's
			   modules (B = 0, non-finite, loud, r != config) */
} ls_watch_cell;

/* One analysed checkpoint. */
typedef struct {
	long step;            /* N of checkpoint-N, or -1 */
	char *name;           /* directory name (DIR's own name when DIR is the adapter) */
	char *path;           /* the directory */
	unsigned long seq;    /* 1, 2, …: order of analysis (rows new since the last look) */
	size_t nloud, nzero;  /* modules flagged loud / B = 0 */
	ls_watch_cell *cells; /* ls_watch_nmod of them, indexed like the modules */
} ls_watch_ckpt;

/* One module of the union over the checkpoints, in natural name order. */
typedef struct {
	char *name;        /* name in the base model (without "base_model.model.") */
	size_t out, in, r; /* ΔW is out×in, rank r: as in the newest checkpoint having it */
} ls_watch_module;

/* Training curves: one entry per log_history entry, NaN where the entry lacks the key. */
typedef struct {
	size_t n;
	double *step, *epoch, *loss, *eval_loss, *grad_norm, *learning_rate;
	char *source; /* the trainer_state.json read, NULL when none (n = 0) */
} ls_watch_curves;

typedef struct ls_watch ls_watch;

/* Open dir (which must be a readable directory) and analyse what is complete in it (a first
 * refresh). Errors: dir missing or not a directory, out of memory, a numerical failure. */
ls_status ls_watch_open(ls_watch **w, const char *dir, const ls_watch_opts *o, ls_error *err);
void ls_watch_free(ls_watch *w);
/* Look at dir again: drain the inotify events, rescan, analyse what became complete, drop
 * what disappeared, read the curves again when their file changed. *changed gets LS_WATCH_*
 * bits (0: nothing changed). Errors are those of ls_watch_open (dir itself gone: LS_EIO). */
ls_status ls_watch_refresh(ls_watch *w, unsigned *changed, ls_error *err);
/* The inotify descriptor to poll() for POLLIN before a refresh, or -1 when polling. */
int ls_watch_fd(const ls_watch *w);
/* The polling period (seconds); with a descriptor, the longest wait between refreshes. */
double ls_watch_interval(const ls_watch *w);
/* Why changes are polled ("--poll", "nfs file system", "inotify: …"), NULL with inotify. */
const char *ls_watch_poll_reason(const ls_watch *w);
const char *ls_watch_dir(const ls_watch *w);

size_t ls_watch_nckpt(const ls_watch *w);
const ls_watch_ckpt *ls_watch_ckpt_at(const ls_watch *w, size_t i); /* ascending */
size_t ls_watch_nmod(const ls_watch *w);
const ls_watch_module *ls_watch_module_at(const ls_watch *w, size_t i);
const ls_watch_curves *ls_watch_curves_get(const ls_watch *w);

/* Checkpoints not complete yet: their number, and for i < that number the directory and why
 * its last attempt failed (the loader's one-line message, e.g. a truncated file). */
size_t ls_watch_npending(const ls_watch *w);
const char *ls_watch_pending_at(const ls_watch *w, size_t i, const char **why);
/* Why the newest trainer_state.json could not be read (the curves are then those of an older
 * one, or none), or NULL. */
const char *ls_watch_curves_problem(const ls_watch *w);

/* trainer_state.json text[0..len) → curves (replacing what c held); name labels messages.
 * Python's NaN, Infinity and -Infinity literals are accepted. */
ls_status ls_trainer_state_parse(ls_watch_curves *c, const char *text, size_t len, const char *name,
				 ls_error *err);
void ls_watch_curves_free(ls_watch_curves *c);

#endif
