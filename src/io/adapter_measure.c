/* adapter_measure.c — what lorascope measures of one adapter module ΔW = s·B·A: singular
 * values the cheap way (MATH.md §8, lowrank.h), norms, stable, energy, effective and noise
 * ranks; the flags (B = 0, non-finite, "far" above its peers) and their names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adapter_priv.h"
#include "lorascope/lowrank.h"

const char *const ls_adapter_flag_names[LS_AF_COUNT] = {
#define LS_AF_NAME(id, name, legend) name,
	LS_ADAPTER_FLAG_LIST(LS_AF_NAME)
#undef LS_AF_NAME
};
const char *const ls_adapter_flag_legend[LS_AF_COUNT] = {
#define LS_AF_LEGEND(id, name, legend) legend,
	LS_ADAPTER_FLAG_LIST(LS_AF_LEGEND)
#undef LS_AF_LEGEND
};

static double median(double *v, size_t n)
{
	/* Insertion sort: n is the number of modules. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The threshold above which a value is "far" above the healthy modules' values. */
static double far_threshold(const ls_adapter *ad, bool fro, double *scratch)
{
	size_t n = 0;
	for (size_t i = 0; i < ad->nmod; i++) {
		const ls_adapter_module *m = &ad->modules[i];
		if (!(m->flags & (LS_AF(LS_AF_B_ZERO) | LS_AF(LS_AF_NONFINITE))))
			scratch[n++] = fro ? m->fro : m->stable_rank;
	}
	if (n < LS_ADAPTER_FAR_MIN)
		return INFINITY;
	double med = median(scratch, n);
	for (size_t i = 0; i < n; i++)
		scratch[i] = fabs(scratch[i] - med);
	double mad = median(scratch, n);
	return fmax(med + LS_ADAPTER_FAR_K * 1.4826 * mad, LS_ADAPTER_FAR_RATIO * med);
}

ls_status ls_adapter_flag_outliers(ls_adapter *ad, ls_error *err)
{
	double *scratch = malloc((ad->nmod + 1) * sizeof *scratch);
	if (!scratch)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", ad->path);
	double t_sr = far_threshold(ad, false, scratch);
	double t_fro = far_threshold(ad, true, scratch);
	free(scratch);
	for (size_t i = 0; i < ad->nmod; i++) {
		ls_adapter_module *m = &ad->modules[i];
		if (m->flags & (LS_AF(LS_AF_B_ZERO) | LS_AF(LS_AF_NONFINITE)))
			continue;
		if (m->stable_rank > t_sr && m->fro > t_fro) {
			m->flags |= LS_AF(LS_AF_LOUD);
			ad->nloud++;
		}
	}
	return LS_OK;
}

static void measure(ls_adapter_module *m)
{
	double total = 0;
	m->nuclear = 0;
	for (size_t i = 0; i < m->k; i++) {
		total += m->sigma[i] * m->sigma[i];
		m->nuclear += m->sigma[i];
	}
	m->fro = sqrt(total);
	m->spec = m->k ? m->sigma[0] : 0;
	m->stable_rank = m->spec > 0 ? total / (m->spec * m->spec) : 0;
	m->erank90 = ls_lowrank_energy_rank(m->sigma, m->k, 0.90);
	m->erank99 = ls_lowrank_energy_rank(m->sigma, m->k, 0.99);
	m->effective_rank = ls_lowrank_effective_rank(m->sigma, m->k);
	m->noise_rank = ls_lowrank_noise_rank(m->sigma, m->k, m->out, m->in);
}

/* The spectrum of one module from its PEFT factors as A = B_peft (out×r) and
 * B = A_peftᵀ (in×r), MATH.md notation. */
ls_status ls_adapter_module_spectrum(ls_adapter_module *m, const ls_mat *A, const ls_mat *B,
				     bool bases, double *store, ls_spectrum_ws **ws, ls_error *err)
{
	bool zero = true;
	for (size_t j = 0; j < A->cols && zero; j++)
		for (size_t i = 0; i < A->rows && zero; i++)
			zero = LS_AT(*A, i, j) == 0.0;
	if (zero)
		m->flags |= LS_AF(LS_AF_B_ZERO);
	ls_status s = ls_lowrank_compute_ws(ws, &m->lr, A, B, m->scaling, bases, store, err);
	m->k = m->lr.k;
	m->sigma = m->lr.sigma;
	if (s != LS_OK)
		return s;
	if (!ls_mat_isfinite(A) || !ls_mat_isfinite(B)) {
		m->flags |= LS_AF(LS_AF_NONFINITE);
		m->fro = m->spec = m->nuclear = m->stable_rank = m->effective_rank = NAN;
		return LS_OK;
	}
	measure(m);
	return LS_OK;
}

void ls_adapter_flags_text(unsigned flags, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (int b = 0; b < LS_AF_COUNT; b++)
		if (flags & (1u << b))
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "",
					      ls_adapter_flag_names[b]);
	if (!n)
		snprintf(out, cap, "-");
}
