/* inspect.c — `lorascope inspect PATH [--json] [--sigma] [--suggest-ranks F]`: read a PEFT
 * adapter (directory or safetensors file) through ls_adapter_load and print, per LoRA module,
 * the shape, r, s, ‖ΔW‖_F, ‖ΔW‖_2, nuclear norm, stable rank, energy, effective and noise
 * ranks and flags, then a summary (DoRA magnitudes) and the legend; or the same as one JSON
 * document; or a PEFT rank_pattern. `--diff A B` is inspect_diff.c. Only formatting here. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "inspect.h"
#include "lorascope/json_number.h"
#include "lorascope/adapter.h"
#include "lorascope/lowrank.h"
#include "lorascope/opts.h"
#include "../tui/tui.h"

/* Room for a name from the file as shown: every byte may become a 4-character escape. */
#define NAME_SHOWN 2048

typedef struct {
	bool json, sigma, tui, diff, help;
	double suggest;     /* --suggest-ranks: the energy fraction, 0 when not given */
	const char *record; /* --record FILE (with --tui) */
} inspect_options;

static const ls_opt inspect_rows[] = {
	{ .name = "json",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "print one JSON document (modules, saved tensors, summary)",
	  .offset = offsetof(inspect_options, json) },
	{ .name = "sigma",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "also list every singular value of each module (table output)",
	  .offset = offsetof(inspect_options, sigma) },
	{ .name = "suggest-ranks",
	  .kind = LS_OPT_REAL,
	  .arg = "ENERGY",
	  .group = "options",
	  .help = "print only a PEFT rank_pattern, a JSON object to paste into LoraConfig("
		  "rank_pattern=...): each module's name and the fewest singular values that "
		  "hold the fraction ENERGY (e.g. 0.9) of its sum sigma^2 (at least 1); keep "
		  "the scaling with a matching alpha_pattern",
	  .lo = 0.01,
	  .hi = 1.0,
	  .offset = offsetof(inspect_options, suggest) },
	{ .name = "diff",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "inspect --diff A B: compare two adapters (or checkpoint directories) module "
		  "by module: relative drift |dW_B - dW_A|_F/|dW_A|_F and the principal angles "
		  "between their column spaces; modules only in one listed as such",
	  .offset = offsetof(inspect_options, diff) },
	{ .name = "tui",
	  .kind = LS_OPT_FLAG,
	  .group = "options",
	  .help = "browse the modules interactively (spectrum, norms, ranks, flags)",
	  .offset = offsetof(inspect_options, tui) },
	LS_TUI_RECORD_ROW(inspect_options, record, "options"),
	LS_OPT_MAX_MEMORY_ROW("options"),
	LS_OPT_HELP_ROW(inspect_options, help, "options"),
};

static const ls_opts_spec inspect_spec = {
	.opts = inspect_rows,
	.nopts = sizeof inspect_rows / sizeof inspect_rows[0],
	.max_args = 2,
	.usage = "usage: lorascope inspect PATH [options]\n"
		 "       lorascope inspect --diff A B [--json]\n\n"
		 "PATH is a PEFT adapter directory (adapter_model.safetensors, or the older\n"
		 "adapter_model.bin, and adapter_config.json) or one .safetensors or .bin\n"
		 "file (scaling s = 1 without a config).\n\n"
		 "Per LoRA module: the singular values of dW = s*B*A (from the thin factors),\n"
		 "norms, stable rank |dW|_F^2/|dW|_2^2, energy ranks (90 %, 99 % of\n"
		 "sum sigma^2), effective rank exp(entropy of sigma/sum sigma), the noise\n"
		 "rank (sigma above the Marchenko-Pastur edge of iid noise holding all of\n"
		 "|dW|_F^2), flags (B all zero, NaN/Inf, fails-loudly outlier) and the\n"
		 "min/mean/max of DoRA magnitude vectors.\n"
		 "Exit status 0; 2 for a bad PATH or option; 1 on other failures.\n",
};

static void print_config(const ls_adapter *ad)
{
	printf("adapter   %s\n", ad->path);
	printf("weights   %s\n", ad->model_path);
	if (!ad->has_config) {
		printf("config    none: scaling s = 1 assumed (no adapter_config.json)\n");
		return;
	}
	const ls_adapter_config *c = &ad->cfg;
	printf("config    r %g, lora_alpha %g, scaling %s%s%s%s", c->r, c->lora_alpha,
	       c->use_rslora ? "alpha/sqrt(r) (rsLoRA)" : "alpha/r",
	       c->fan_in_fan_out ? ", fan_in_fan_out" : "", c->use_dora ? ", DoRA" : "",
	       c->nrank || c->nalpha ? ", per-module patterns" : "");
	char shown[512];
	if (c->base_model)
		printf(", base model %s", ls_text_printable(shown, sizeof shown, c->base_model));
	printf("\n\n");
}

static void print_table(const ls_adapter *ad, bool sigma)
{
	size_t pre = ls_adapter_name_prefix(ad);
	char shown[NAME_SHOWN];
	int w = 6;
	for (size_t i = 0; i < ad->nmod; i++) {
		int l = (int)strlen(
			ls_text_printable(shown, sizeof shown, ad->modules[i].name + pre));
		w = l > w ? l : w;
	}
	if (pre) {
		char under[NAME_SHOWN];
		snprintf(under, sizeof under, "%.*s", (int)pre, ad->modules[0].name);
		printf("modules under %s\n", ls_text_printable(shown, sizeof shown, under));
	}
	printf("%-*s %13s %4s %7s %10s %10s %10s %7s %4s %4s %6s %5s  %s\n", w, "module", "shape",
	       "r", "s", "|dW|_F", "|dW|_2", "nuclear", "st.rank", "E90", "E99", "e.rank", "noise",
	       "flags");
	for (size_t i = 0; i < ad->nmod; i++) {
		const ls_adapter_module *m = &ad->modules[i];
		char shape[32], flags[64];
		snprintf(shape, sizeof shape, "%zux%zu%s", m->out, m->in,
			 m->transposed ? "^T" : "");
		ls_adapter_flags_text(m->flags, flags, sizeof flags);
		printf("%-*s %13s %4zu %7.4g %10.4g %10.4g %10.4g %7.3f %4zu %4zu %6.3f %5zu  %s\n",
		       w, ls_text_printable(shown, sizeof shown, m->name + pre), shape, m->r,
		       m->scaling, m->fro, m->spec, m->nuclear, m->stable_rank, m->erank90,
		       m->erank99, m->effective_rank, m->noise_rank, flags);
		if (sigma) {
			printf("%-*s   sigma:", w, "");
			for (size_t k = 0; k < m->k; k++)
				printf(" %.6g", m->sigma[k]);
			printf("\n");
		}
	}
}

static void print_summary(const ls_adapter *ad)
{
	double ss = 0;
	size_t big = 0;
	for (size_t i = 0; i < ad->nmod; i++) {
		const ls_adapter_module *m = &ad->modules[i];
		if (isfinite(m->fro))
			ss += m->fro * m->fro;
		if (!(ad->modules[big].fro >= m->fro))
			big = i;
	}
	printf("\nsummary   %zu LoRA modules (%s), %zu saved modules (%zu tensors), %zu DoRA "
	       "magnitude vectors\n",
	       ad->nmod, ad->modules[0].dtype, ad->nsaved_modules, ad->nsaved, ad->nmag);
	char shown[NAME_SHOWN];
	printf("          sqrt(sum |dW|_F^2) = %.4g; largest |dW|_F: %s (%.4g)\n", sqrt(ss),
	       ls_text_printable(shown, sizeof shown, ad->modules[big].name), ad->modules[big].fro);
	/* One line per saved module (tensors are sorted by name: a module's are adjacent). */
	for (size_t i = 0; i < ad->nsaved; i++) {
		const ls_adapter_tensor *t = &ad->saved[i];
		bool first = i == 0 || strcmp(t->module, ad->saved[i - 1].module) != 0;
		bool last = i + 1 == ad->nsaved || strcmp(t->module, ad->saved[i + 1].module) != 0;
		if (first)
			printf("%-10s%s%s:", i == 0 ? "saved" : "",
			       ls_text_printable(shown, sizeof shown, t->module),
			       t->listed ? " (modules_to_save)" : "");
		const char *leaf = strrchr(t->name, '.');
		printf(" %s [", ls_text_printable(shown, sizeof shown, leaf ? leaf + 1 : t->name));
		for (size_t d = 0; d < t->ndim; d++)
			printf("%s%zu", d ? ", " : "", t->shape[d]);
		printf("] %s%s", t->dtype, last ? "\n" : ",");
	}
	if (ad->nmag) {
		printf("DoRA     ");
		for (size_t i = 0; i < ad->nmag; i++) {
			const ls_adapter_tensor *t = &ad->magnitudes[i];
			printf(" %s (magnitude min %.4g, mean %.4g, max %.4g)%s",
			       ls_text_printable(shown, sizeof shown, t->module), t->min, t->mean,
			       t->max, i + 1 < ad->nmag ? "," : "\n");
		}
	}
	printf("flags     %zu B=0, %zu NaN/Inf, %zu loud%s\n", ad->nzero, ad->nnonfinite, ad->nloud,
	       ad->nzero ? "  <- B all zero: that module leaves the model unchanged" : "");
	printf("\nlegend    shape is dW = s*B*A (out x in), ^T where the layer stores its "
	       "transpose "
	       "(fan_in_fan_out,\n          embeddings); s = scaling; st.rank = |dW|_F^2/|dW|_2^2; "
	       "E90/E99 = fewest singular\n          values holding 90 %%/99 %% of sum sigma^2; "
	       "e.rank = exp(entropy of sigma_i/sum sigma)\n          (Roy-Vetterli); noise = "
	       "sigma above the Marchenko-Pastur edge nu*(sqrt(out) + sqrt(in)),\n          nu = "
	       "|dW|_F/sqrt(out*in): iid noise holding all of |dW|_F^2 stays below it\n");
	for (int b = 0; b < LS_AF_COUNT; b++)
		printf("          %-8s %s\n", ls_adapter_flag_names[b], ls_adapter_flag_legend[b]);
	printf("          far = above max(median + %g*1.4826*MAD, %g*median) of the finite, "
	       "non-zero\n          modules, in both st.rank and |dW|_F (needs %d such modules)\n",
	       LS_ADAPTER_FAR_K, LS_ADAPTER_FAR_RATIO, LS_ADAPTER_FAR_MIN);
}

static json_t *jshape(const size_t *shape, size_t ndim)
{
	json_t *a = json_array();
	for (size_t d = 0; d < ndim; d++)
		json_array_append_new(a, json_integer((json_int_t)shape[d]));
	return a;
}

static json_t *jstats(const ls_adapter_tensor *t)
{
	return json_pack("{s:o, s:o, s:o}", "min", ls_json_number(t->min), "mean",
			 ls_json_number(t->mean), "max", ls_json_number(t->max));
}

/* Tensors as objects; magnitudes (DoRA) also with the statistics of their values. */
static json_t *jtensors(const ls_adapter_tensor *t, size_t n, bool magnitudes)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:b}", "name", t[i].name, "module",
				      t[i].module, "dtype", t[i].dtype, "shape",
				      jshape(t[i].shape, t[i].ndim), "listed", t[i].listed);
		if (magnitudes)
			json_object_set_new(o, "values", jstats(&t[i]));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *jmodule(const ls_adapter *ad, const ls_adapter_module *m)
{
	json_t *mag = json_null();
	for (size_t i = 0; i < ad->nmag; i++)
		if (strcmp(ad->magnitudes[i].module, m->name) == 0)
			mag = jstats(&ad->magnitudes[i]);
	json_t *sig = json_array(), *flags = json_array();
	for (size_t k = 0; k < m->k; k++)
		json_array_append_new(sig, ls_json_number(m->sigma[k]));
	for (int b = 0; b < LS_AF_COUNT; b++)
		if (m->flags & (1u << b))
			json_array_append_new(flags, json_string(ls_adapter_flag_names[b]));
	size_t shape[2] = { m->out, m->in };
	return json_pack(
		"{s:s, s:s, s:o, s:b, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:i, "
		"s:o, s:o, s:i, s:o}",
		"name", m->name, "dtype", m->dtype, "shape", jshape(shape, 2), "stored_transposed",
		m->transposed, "r", (json_int_t)m->r, "lora_alpha", ls_json_number(m->alpha),
		"scaling", ls_json_number(m->scaling), "singular_values", sig, "fro_norm",
		ls_json_number(m->fro), "spectral_norm", ls_json_number(m->spec), "nuclear_norm",
		ls_json_number(m->nuclear), "stable_rank", ls_json_number(m->stable_rank),
		"energy_rank_90", (json_int_t)m->erank90, "energy_rank_99", (json_int_t)m->erank99,
		"flags", flags, "effective_rank", ls_json_number(m->effective_rank), "noise_rank",
		(json_int_t)m->noise_rank, "dora_magnitude", mag);
}

static int print_json(const ls_adapter *ad)
{
	json_t *cfg = json_null();
	if (ad->has_config) {
		const ls_adapter_config *c = &ad->cfg;
		cfg = json_pack("{s:o, s:o, s:b, s:b, s:b, s:s?}", "r", ls_json_number(c->r),
				"lora_alpha", ls_json_number(c->lora_alpha), "use_rslora",
				c->use_rslora, "fan_in_fan_out", c->fan_in_fan_out, "use_dora",
				c->use_dora, "base_model_name_or_path", c->base_model);
	}
	json_t *mods = json_array();
	double ss = 0;
	for (size_t i = 0; i < ad->nmod; i++) {
		json_array_append_new(mods, jmodule(ad, &ad->modules[i]));
		if (isfinite(ad->modules[i].fro))
			ss += ad->modules[i].fro * ad->modules[i].fro;
	}
	char rule[200];
	snprintf(rule, sizeof rule,
		 "loud: stable_rank and fro_norm both above max(median + %g*1.4826*MAD, "
		 "%g*median) of the finite non-zero modules (at least %d)",
		 LS_ADAPTER_FAR_K, LS_ADAPTER_FAR_RATIO, LS_ADAPTER_FAR_MIN);
	json_t *summary = json_pack("{s:i, s:i, s:i, s:i, s:o, s:{s:i, s:i, s:i}, s:s}", "modules",
				    (json_int_t)ad->nmod, "saved_modules",
				    (json_int_t)ad->nsaved_modules, "saved_tensors",
				    (json_int_t)ad->nsaved, "dora_magnitudes", (json_int_t)ad->nmag,
				    "total_fro_norm", ls_json_number(sqrt(ss)), "flagged", "B=0",
				    (json_int_t)ad->nzero, "NaN/Inf", (json_int_t)ad->nnonfinite,
				    "loud", (json_int_t)ad->nloud, "far_rule", rule);
	json_t *doc = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "path", ad->path, "weights",
				ad->model_path, "config", cfg, "modules", mods, "saved_tensors",
				jtensors(ad->saved, ad->nsaved, false), "dora_magnitudes",
				jtensors(ad->magnitudes, ad->nmag, true), "summary", summary);
	return ls_inspect_print_json(doc);
}

int ls_inspect_print_json(json_t *doc)
{
	if (!doc) {
		fprintf(stderr, "lorascope inspect: cannot build the JSON document\n");
		return LS_EXIT_FAILURE;
	}
	int rc = json_dumpf(doc, stdout,
			    JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(doc);
	printf("\n");
	return rc == 0 ? LS_EXIT_OK : LS_EXIT_FAILURE;
}

/* --suggest-ranks: {"module": energy rank at fraction, ...}, one PEFT rank_pattern. */
static int print_rank_pattern(const ls_adapter *ad, double fraction)
{
	json_t *pattern = json_object();
	for (size_t i = 0; i < ad->nmod; i++) {
		const ls_adapter_module *m = &ad->modules[i];
		size_t r = ls_lowrank_energy_rank(m->sigma, m->k, fraction);
		/* PEFT refuses r = 0 (a B = 0 or non-finite module). */
		json_object_set_new(pattern, m->name, json_integer((json_int_t)(r ? r : 1)));
	}
	return ls_inspect_print_json(pattern);
}

/* A refused combination of options or arguments: one line, exit status 2. */
static int usage_error(const char *what)
{
	fprintf(stderr, "lorascope inspect: %s (see --help)\n", what);
	return LS_EXIT_USAGE;
}

int ls_cli_inspect(int argc, char **argv)
{
	inspect_options opt = { 0 };
	const char *paths[2] = { NULL, NULL };
	size_t npaths = 0;
	ls_error err;
	if (ls_opts_defaults(&inspect_spec, &opt, &err) != LS_OK ||
	    ls_opts_parse(&inspect_spec, argc, argv, &opt, paths, &npaths, &err) != LS_OK) {
		fprintf(stderr, "lorascope inspect: %s\n", err.msg);
		return LS_EXIT_USAGE;
	}
	if (opt.help) {
		ls_opts_help(&inspect_spec, stdout);
		return LS_EXIT_OK;
	}
	if (opt.diff) {
		if (npaths != 2)
			return usage_error("--diff needs two paths, A and B");
		if (opt.tui || opt.suggest > 0 || opt.sigma)
			return usage_error("--diff takes only --json");
		return ls_cli_inspect_diff(paths[0], paths[1], opt.json);
	}
	if (npaths == 2)
		return usage_error("one PATH (two only with --diff)");
	const char *path = paths[0];
	if (!path) {
		fprintf(stderr, "lorascope inspect: missing PATH, an adapter directory or a "
				"safetensors file (see --help)\n");
		return LS_EXIT_USAGE;
	}
	if (opt.suggest > 0 && (opt.tui || opt.json || opt.sigma))
		return usage_error("--suggest-ranks prints only the rank_pattern");
	if (opt.record && !opt.tui)
		return usage_error("--record goes with --tui");
	if (opt.tui)
		return ls_tui_inspect(path, false, opt.record);
	ls_adapter ad;
	ls_error_clear(&err);
	ls_status st = ls_adapter_load(&ad, path, false, &err);
	if (st != LS_OK) {
		fprintf(stderr, "lorascope inspect: %s\n", err.msg);
		return st == LS_ENOMEM || st == LS_ENUMERIC ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
	}
	int rc = LS_EXIT_OK;
	if (opt.suggest > 0) {
		rc = print_rank_pattern(&ad, opt.suggest);
	} else if (opt.json) {
		rc = print_json(&ad);
	} else {
		print_config(&ad);
		print_table(&ad, opt.sigma);
		print_summary(&ad);
	}
	ls_adapter_free(&ad);
	return rc;
}
