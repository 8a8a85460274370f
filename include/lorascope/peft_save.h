/* peft_save.h — a session's LoRA factors saved as a Hugging Face Trainer checkpoint, so that
 * `lorascope watch`, `inspect`, `inspect --diff` and PEFT itself read lorascope's own runs.
 *
 * LAYOUT. ls_peft_save writes DIR/checkpoint-N (N = the session's step) holding
 *   adapter_model.safetensors  per module two F64 tensors (F64 so that the factors come back
 *                   bit for bit, e.g. through --init-a-file/--init-b-file; PEFT loads F64 and
 *                   casts to the model's dtype):
 *                     base_model.model.<module>.lora_A.weight  [r, n] = Bᵀ (PEFT's lora_A)
 *                     base_model.model.<module>.lora_B.weight  [m, r] = A  (PEFT's lora_B)
 *                   (lorascope's X = s·A·Bᵀ is PEFT's ΔW = scaling·lora_B·lora_A, adapter.h);
 *                   __metadata__: "format": "pt", "lorascope": the version, "lorascope.step":
 *                   N, and "lorascope.<param>" for every run parameter (ls_config_format), the
 *                   problem and --seed among them (PEFT's LoraConfig takes no unknown keys, so
 *                   lorascope's own facts go here, not in the config);
 *   adapter_config.json  peft_type LORA, r, lora_alpha and use_rslora chosen so that PEFT's
 *                   scaling is the session's s (--scaling one: lora_alpha = r; alpha-r:
 *                   lora_alpha = --alpha; rslora: lora_alpha = --alpha, use_rslora true),
 *                   target_modules (the modules' last name parts), bias "none",
 *                   base_model_name_or_path null, keys sorted as PEFT writes them;
 *   trainer_state.json  as transformers' TrainerState writes it (keys sorted, indent 2):
 *                   global_step N, max_steps, epoch null, logging/eval/save_steps, log_history
 *                   [{"step", "loss", "grad_norm", "learning_rate"}] (non-finite values null),
 *                   best_metric null, and the rest of TrainerState's fields at their defaults.
 * Module names (ls_peft_module_name): "mlp.fc1" and "mlp.fc2" for the mlp problem's first
 * and second layer; "<problem>.W" for the single module of every other problem.
 *
 * ATOMICITY. A checkpoint is written into DIR/tmp-checkpoint-N-XXXXXX, synced and renamed to
 * DIR/checkpoint-N, so a watcher never sees a partial one. DIR is created (one level) when
 * missing. An existing checkpoint-N written by lorascope (its safetensors metadata has the
 * "lorascope" key) is replaced; any other is refused and left alone. */
#ifndef LORASCOPE_PEFT_SAVE_H
#define LORASCOPE_PEFT_SAVE_H

#include <stddef.h>

#include "lorascope/metrics.h"
#include "lorascope/problem.h"
#include "lorascope/session.h"
#include "lorascope/status.h"

/* One log_history entry. */
typedef struct {
	long step;
	double loss, grad_norm, learning_rate;
} ls_peft_log_entry;

/* The log_history so far (a growing array; a zeroed struct is empty). */
typedef struct {
	size_t n, cap;
	ls_peft_log_entry *e;
} ls_peft_log;

/* Append the entry of the metrics m (its step, loss, grad_norm and eta). */
ls_status ls_peft_log_add(ls_peft_log *log, const ls_metrics *m, ls_error *err);
/* log := one entry per point of the history h (replacing what log held). */
ls_status ls_peft_log_from_history(ls_peft_log *log, const ls_history *h, ls_error *err);
void ls_peft_log_free(ls_peft_log *log);

typedef struct {
	long max_steps;     /* trainer_state's max_steps: the step the run is planned to end at */
	long save_steps;    /* checkpoints every save_steps steps (0: saved by hand) */
	long logging_steps; /* log_history's cadence (also eval_steps) */
	const ls_peft_log *log;
} ls_peft_save_opts;

/* The module name of module k of p (see above) into buf. */
void ls_peft_module_name(const ls_problem *p, size_t k, char *buf, size_t cap);

/* Whether ls_peft_save could write into dir, checked before a run spends its time: an existing
 * dir must be a directory we may write in whose every checkpoint-N is lorascope's; a missing
 * one needs a parent directory we may write in. */
ls_status ls_peft_save_check(const char *dir, ls_error *err);
/* Write dir/checkpoint-N for the session's current state (see above); the path written goes
 * to written[0..cap) (may be NULL). s is not changed. */
ls_status ls_peft_save(const ls_session *s, const char *dir, const ls_peft_save_opts *o,
		       char *written, size_t cap, ls_error *err);

#endif
