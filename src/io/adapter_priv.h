/* adapter_priv.h — shared by the adapter reader (adapter.c) and its measurements
 * (adapter_measure.c). Not a public header. */
#ifndef LORASCOPE_ADAPTER_PRIV_H
#define LORASCOPE_ADAPTER_PRIV_H

#include "lorascope/adapter.h"

/* σ(ΔW) of module m from its factors A = B_peft (out×r) and B = A_peftᵀ (in×r) (and its
 * singular vectors with bases, in store when not NULL: ls_lowrank_compute_ws), then its norms
 * and ranks; B = 0 and non-finite factors set their flags (σ NaN for the latter). *ws:
 * scratch kept across modules (ls_lowrank_compute_ws). */
ls_status ls_adapter_module_spectrum(ls_adapter_module *m, const ls_mat *A, const ls_mat *B,
				     bool bases, double *store, ls_spectrum_ws **ws, ls_error *err);
/* Flag as "far" the modules whose stable rank and ‖ΔW‖_F are both above their peers'. */
ls_status ls_adapter_flag_outliers(ls_adapter *ad, ls_error *err);

#endif
