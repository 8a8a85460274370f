/* snapshot.h — a session saved to a directory and resumed from it, bit for bit.
 *
 * FORMAT (version 1). A snapshot is a directory holding
 *   manifest.json   {"format": "lorascope-snapshot", "version": 1, "lorascope": VERSION,
 *                    "params": {NAME: "VALUE", ...}   every parameter (ls_config_format),
 *                    "step": N, "restarts": R,       steps taken; init restarts so far,
 *                    "rng": ["0123456789abcdef", ×4] the training stream's xoshiro256** words,
 *                    "optim": {"t", "ta", "tb"}      the optimiser's step counters,
 *                    "modules": [{"m", "n", "s"}]    shapes and scalings (checked on load),
 *                    "diverged": bool, "message": TEXT,
 *                    "last_step": {"eta", "mk_checked", "mk_holds", "mk_lhs", "mk_rhs",
 *                                  "mk_checks", "mk_failures"}   what the last step measured,
 *                    "baseline": {"computed": bool, "serial": N},
 *                    "alphabeta": null or [{"alpha", "beta", "samples", "alpha_move",
 *                                  "beta_move", "D", "r"}] per module (the session's cache),
 *                    "history": {"points": N, "stride": S}}
 *                   reals as JSON numbers with 17 digits (exact), NaN and ±Inf as null;
 *   A_K.npy, B_K.npy               the factors of module K (m×r, n×r, '<f8', exact);
 *   mA_K.npy, mB_K.npy, vA_K.npy, vB_K.npy   the optimiser's moments of module K;
 *   history.npy     (when points > 0) points × 9: step, loss, reg_loss, grad_norm, ratio,
 *                   dist_star, eta, norm_fro, threshold — the decimated history for plots.
 * The problem and the baseline are not stored: both are rebuilt from the parameters (the
 * problem from --seed), deterministically. Resuming therefore continues exactly where the
 * run stopped: every later step, row and trace line is identical, bit for bit, to the
 * uninterrupted run's; the history before the snapshot is restored as it was.
 *
 * Saving writes everything into a fresh directory DIR.tmp-XXXXXX beside DIR, syncs it and
 * renames it to DIR (a previous snapshot at DIR is replaced; any other existing DIR is
 * refused), so a failure leaves nothing behind. Loading checks every file (presence, JSON,
 * version, parameters, shapes) and fails with a one-line message naming the file. */
#ifndef LORASCOPE_SNAPSHOT_H
#define LORASCOPE_SNAPSHOT_H

#include "lorascope/session.h"
#include "lorascope/status.h"

#define LS_SNAPSHOT_VERSION 1

/* Save s to the directory dir (see above). s is not changed. */
ls_status ls_session_save(const ls_session *s, const char *dir, ls_error *err);
/* Whether ls_session_save could write dir, checked before a run spends its time: an existing
 * dir must be a snapshot, its parent a directory we may write in. The messages of the save. */
ls_status ls_session_save_check(const char *dir, ls_error *err);
/* A new session *out in the state saved at dir (NULL on failure). */
ls_status ls_session_load(ls_session **out, const char *dir, ls_error *err);

#endif
