/* adapter.h — PEFT LoRA adapters: adapter_config.json (jansson) + adapter_model.safetensors
 * → one record per LoRA module with the spectrum and norms of its update.
 *
 * PEFT stores lora_A.weight as [r, in] and lora_B.weight as [out, r], with
 * ΔW = s·B_peft·A_peft (transposed when fan_in_fan_out, and for embeddings). In lorascope's
 * letters (MATH.md notation) A = B_peft (out×r) and Bᵀ = A_peft, so σ(ΔW) comes from the
 * thin factors the cheap way (MATH.md §8, ls_spectrum_lowrank), never from the dense ΔW.
 * Scaling s = lora_alpha/r, or lora_alpha/√r with use_rslora; r and lora_alpha of a module
 * come from rank_pattern/alpha_pattern as PEFT resolves them: the first key (in file order)
 * for which the POSIX extended regex ^(.*\.)?(KEY)$ matches the module name.
 *
 * Flags per module (LS_ADAPTER_FLAG_LIST). The fails-loudly signature (Kim–Kim–Ryu Cor. 1:
 * a spurious solution has high rank and large magnitude) is flagged when a module is *far*
 * above its peers in both stable rank ‖ΔW‖_F²/‖ΔW‖_2² and ‖ΔW‖_F: far means above
 * max(median + LS_ADAPTER_FAR_K·1.4826·MAD, LS_ADAPTER_FAR_RATIO·median) for both numbers,
 * the median and MAD (median absolute deviation, 1.4826·MAD ≈ σ for normal data) taken over
 * the modules that are finite and non-zero, and only when there are at least
 * LS_ADAPTER_FAR_MIN of them. */
#ifndef LORASCOPE_ADAPTER_H
#define LORASCOPE_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/lowrank.h"
#include "lorascope/safetensors.h"
#include "lorascope/status.h"

#define LS_ADAPTER_FAR_K 3.0
#define LS_ADAPTER_FAR_RATIO 1.5
#define LS_ADAPTER_FAR_MIN 4

/* X(bit, "short name", "legend") */
#define LS_ADAPTER_FLAG_LIST(X)                                                             \
	X(LS_AF_B_ZERO, "B=0", "lora_B is all zero: the module does nothing")               \
	X(LS_AF_NONFINITE, "NaN/Inf", "NaN or Inf in lora_A or lora_B")                     \
	X(LS_AF_LOUD, "loud",                                                               \
	  "stable rank and norm both far above the other modules (fails-loudly signature)") \
	X(LS_AF_R_MISMATCH, "r!=cfg", "the tensors' rank differs from r in the config")

enum {
#define LS_AF_BIT(id, name, legend) id##_BIT,
	LS_ADAPTER_FLAG_LIST(LS_AF_BIT)
#undef LS_AF_BIT
		LS_AF_COUNT
};
#define LS_AF(id) (1u << id##_BIT)

extern const char *const ls_adapter_flag_names[LS_AF_COUNT];
extern const char *const ls_adapter_flag_legend[LS_AF_COUNT];

typedef struct {
	char *key;
	double value;
} ls_adapter_pattern;

typedef struct {
	double r, lora_alpha;
	bool use_rslora, fan_in_fan_out, use_dora;
	ls_adapter_pattern *rank_pattern, *alpha_pattern; /* in file order */
	size_t nrank, nalpha;
	char **modules_to_save;
	size_t nsave;
	char *peft_type;  /* NULL when absent */
	char *base_model; /* base_model_name_or_path, NULL when absent */
} ls_adapter_config;

/* Parse adapter_config.json text[0..len) (name labels messages). Defaults as PEFT's:
 * r 8, lora_alpha 8. Refuses a peft_type other than LORA, wrong types, and pattern keys
 * that are not valid regular expressions. */
ls_status ls_adapter_config_parse(ls_adapter_config *cfg, const char *text, size_t len,
				  const char *name, ls_error *err);
void ls_adapter_config_free(ls_adapter_config *cfg);
/* r and lora_alpha for module (its name in the base model, without "base_model.model."),
 * resolved through rank_pattern and alpha_pattern. */
void ls_adapter_config_lookup(const ls_adapter_config *cfg, const char *module, double *r,
			      double *alpha);

typedef struct {
	char *name;        /* module name in the base model */
	char dtype[12];    /* of lora_A */
	size_t out, in, r; /* ΔW is out×in; r from the tensors */
	bool transposed;   /* stored as in×out (fan_in_fan_out or an embedding) */
	double alpha, scaling;
	ls_lowrank lr; /* ΔW = U·diag(σ)·Vᵀ (out×in); U, V only when loaded with bases */
	size_t k;      /* number of singular values: min(r, out, in) (= lr.k) */
	double *sigma; /* σ(ΔW), descending (NaN when the factors are not finite); = lr.sigma */
	double fro, spec, nuclear, stable_rank;
	size_t erank90, erank99; /* fewest σ holding 90 % / 99 % of Σσ² */
	double effective_rank;   /* Roy–Vetterli exp(H) (lowrank.h) */
	size_t noise_rank;       /* σ above the Marchenko–Pastur edge (lowrank.h) */
	unsigned flags;          /* LS_AF(...) bits */
} ls_adapter_module;

typedef struct {
	char *name;   /* tensor name */
	char *module; /* the module it belongs to */
	char dtype[12];
	size_t ndim, shape[LS_ST_MAX_DIMS];
	bool listed;           /* the module is in the config's modules_to_save */
	double min, mean, max; /* of the values, for DoRA magnitudes only (NaN if one is) */
} ls_adapter_tensor;

typedef struct {
	char *path;       /* what was opened */
	char *model_path; /* the safetensors file */
	bool has_config;  /* false: s = 1 assumed */
	ls_adapter_config cfg;
	ls_adapter_module *modules; /* sorted by name */
	size_t nmod;
	ls_adapter_tensor *saved; /* other tensors (modules_to_save and the like), by name */
	size_t nsaved, nsaved_modules;
	ls_adapter_tensor *magnitudes; /* DoRA lora_magnitude_vector tensors */
	size_t nmag;
	size_t nloud, nzero, nnonfinite;
	void *bases; /* one mapping holding every module's U and V (loaded with bases) */
	size_t bases_bytes;
} ls_adapter;

/* Load path: a PEFT adapter directory (adapter_model.safetensors + adapter_config.json) or
 * one .safetensors file (adapter_config.json beside it is used when the file is
 * adapter_model.safetensors; otherwise s = 1). Computes every module's record; with bases,
 * also each module's singular vectors lr.U, lr.V (what ls_lowrank_drift needs). */
ls_status ls_adapter_load(ls_adapter *ad, const char *path, bool bases, ls_error *err);
/* The same from a parsed safetensors image st (only read) and a parsed config cfg, which
 * is moved into ad (and zeroed); cfg NULL means no config (s = 1). Paths come from st. */
ls_status ls_adapter_build(ls_adapter *ad, const ls_safetensors *st, ls_adapter_config *cfg,
			   bool bases, ls_error *err);
void ls_adapter_free(ls_adapter *ad);
/* Length of the longest common prefix of the module names that ends with a '.', so that
 * listings can drop it ("base_model.model....attention."); 0 with fewer than 2 modules. */
size_t ls_adapter_name_prefix(const ls_adapter *ad);
/* Natural order of names (strcmp's, but runs of digits compare as numbers: "layers.2" before
 * "layers.10"): the order of modules, and of checkpoints in `watch`. */
int ls_adapter_natural_cmp(const char *a, const char *b);
/* The names of the set LS_AF_* bits of flags joined by ',' into out ("-" when none). */
void ls_adapter_flags_text(unsigned flags, char *out, size_t cap);

#endif
