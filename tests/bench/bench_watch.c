/* bench_watch.c — `make bench`: the cost of `lorascope watch` per checkpoint on a
 * Llama-7B-sized adapter: 224 modules (32 layers × q, k, v, o, gate, up, down), each
 * 4096×4096 at r = 16, in F32 and in BF16. The files are written once into DIR (the build
 * directory's bench-watch/): per dtype a run with checkpoint-1 and, set aside, checkpoint-2
 * (checkpoint-1 plus a small change). Timed, by wall clock: opening the run (reading and
 * analysing checkpoint-1: σ, norms, ranks, bases of every module), then a refresh after
 * checkpoint-2 is moved in (reading and analysing it and its drift against checkpoint-1:
 * relative change and principal angles for every module). Target: ≤ 1 s per checkpoint.
 * Usage: bench_watch DIR */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lorascope/rng.h"
#include "lorascope/watch.h"

#define LAYERS 32
#define NPROJ 7
#define DIM 4096
#define RANK 16
#define TARGET_S 1.0

static const char *const proj[NPROJ] = { "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
					 "self_attn.o_proj", "mlp.gate_proj",    "mlp.up_proj",
					 "mlp.down_proj" };

static double clock_s(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of the process (all threads): the figure that a loaded machine does not
 * inflate. */
static double cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_watch: %s\n", what);
	exit(1);
}

/* BF16 by round to nearest even of the float's bits. */
static uint16_t to_bf16(float x)
{
	uint32_t u;
	memcpy(&u, &x, sizeof u);
	u += 0x7fff + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

/* One tensor's values: N(0, std²) from a generator seeded by (module, factor), plus a
 * change of 5 % of that at the second checkpoint. */
static void tensor_values(float *v, size_t n, int module, int factor, int ckpt, double std)
{
	ls_rng rng, drift;
	ls_rng_seed(&rng, 1000u + 2u * (unsigned)module + (unsigned)factor);
	ls_rng_seed(&drift, 900000u + 2u * (unsigned)module + (unsigned)factor);
	for (size_t i = 0; i < n; i++) {
		double x = std * ls_rng_normal(&rng);
		if (ckpt == 2)
			x += 0.05 * std * ls_rng_normal(&drift);
		v[i] = (float)x;
	}
}

static void write_checkpoint(const char *dir, bool bf16, int ckpt)
{
	char path[1024], tmp[1100];
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/adapter_config.json", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		die(path);
	fprintf(f,
		"{\"peft_type\": \"LORA\", \"r\": %d, \"lora_alpha\": %d, \"target_modules\": "
		"[\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\", \"gate_proj\", \"up_proj\", "
		"\"down_proj\"]}\n",
		RANK, 2 * RANK);
	fclose(f);
	/* The header: every tensor in order, contiguous. */
	size_t esz = bf16 ? 2 : 4, tbytes = (size_t)DIM * RANK * esz, off = 0, hcap = 1 << 20;
	char *h = malloc(hcap);
	if (!h)
		die("out of memory");
	size_t hn = (size_t)snprintf(h, hcap, "{");
	for (int l = 0; l < LAYERS; l++)
		for (int p = 0; p < NPROJ; p++)
			for (int ab = 0; ab < 2; ab++) {
				hn += (size_t)snprintf(
					h + hn, hcap - hn,
					"%s\"base_model.model.model.layers.%d.%s.lora_%c.weight\":"
					"{\"dtype\":\"%s\",\"shape\":[%d,%d],\"data_offsets\":[%zu,"
					"%zu]}",
					off ? "," : "", l, proj[p], ab ? 'B' : 'A',
					bf16 ? "BF16" : "F32", ab ? DIM : RANK, ab ? RANK : DIM,
					off, off + tbytes);
				off += tbytes;
			}
	hn += (size_t)snprintf(h + hn, hcap - hn, "}");
	while (hn % 8)
		h[hn++] = ' ';
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (!(f = fopen(tmp, "wb")))
		die(tmp);
	uint64_t hlen = hn;
	unsigned char le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(hlen >> (8 * i));
	fwrite(le, 1, 8, f);
	fwrite(h, 1, hn, f);
	free(h);
	float *v = malloc((size_t)DIM * RANK * sizeof *v);
	uint16_t *b = malloc((size_t)DIM * RANK * sizeof *b);
	if (!v || !b)
		die("out of memory");
	for (int m = 0; m < LAYERS * NPROJ; m++)
		for (int ab = 0; ab < 2; ab++) {
			/* PEFT's init scale for A, B grown by training. */
			tensor_values(v, (size_t)DIM * RANK, m, ab, ckpt, ab ? 0.002 : 1.0 / 64);
			if (bf16) {
				for (size_t i = 0; i < (size_t)DIM * RANK; i++)
					b[i] = to_bf16(v[i]); /* little-endian host assumed */
				fwrite(b, 2, (size_t)DIM * RANK, f);
			} else {
				fwrite(v, 4, (size_t)DIM * RANK, f);
			}
		}
	free(v);
	free(b);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		die(path);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void bench(const char *root, bool bf16)
{
	char base[512], run[600], spare[600], ck1[700], ck2[700], moved[700];
	snprintf(base, sizeof base, "%s/%s", root, bf16 ? "bf16" : "f32");
	snprintf(run, sizeof run, "%s/run", base);
	snprintf(spare, sizeof spare, "%s/spare", base);
	snprintf(ck1, sizeof ck1, "%s/checkpoint-1", run);
	snprintf(ck2, sizeof ck2, "%s/checkpoint-2", spare);
	snprintf(moved, sizeof moved, "%s/checkpoint-2", run);
	if (exists(moved) && rename(moved, ck2) != 0) /* left by an interrupted bench */
		die(moved);
	char done[800];
	snprintf(done, sizeof done, "%s/adapter_model.safetensors", ck2);
	if (!exists(done)) {
		printf("writing %s (224 modules, 4096x4096, r 16, %s, two checkpoints)\n", base,
		       bf16 ? "BF16" : "F32");
		fflush(stdout);
		mkdir(root, 0777);
		mkdir(base, 0777);
		mkdir(run, 0777);
		mkdir(spare, 0777);
		write_checkpoint(ck1, bf16, 1);
		write_checkpoint(ck2, bf16, 2);
	}
	ls_watch_opts o = { .poll = true, .interval = 1 };
	ls_watch *w;
	ls_error err = { 0 };
	double t0 = now(), c0 = cpu();
	if (ls_watch_open(&w, run, &o, &err) != LS_OK)
		die(err.msg);
	double t1 = now(), c1 = cpu();
	if (rename(ck2, moved) != 0)
		die(ck2);
	unsigned changed;
	double t2 = now(), c2 = cpu();
	ls_status s = ls_watch_refresh(w, &changed, &err);
	double t3 = now(), c3 = cpu();
	if (rename(moved, ck2) != 0)
		die(moved);
	if (s != LS_OK)
		die(err.msg);
	if (ls_watch_nckpt(w) != 2 || ls_watch_nmod(w) != LAYERS * NPROJ)
		die("the run was not read whole");
	const ls_watch_cell *c = &ls_watch_ckpt_at(w, 1)->cells[0];
	if (!(c->drift > 0) || !(c->angle_max > 0))
		die("no drift computed");
	const char *dt = bf16 ? "BF16" : "F32";
	printf("watch %-4s first checkpoint (read, analyse)        %7.3f s wall %7.3f s CPU"
	       "  (target %.0f s)\n",
	       dt, t1 - t0, c1 - c0, TARGET_S);
	printf("watch %-4s next checkpoint (read, analyse, drift)  %7.3f s wall %7.3f s CPU"
	       "  (target %.0f s)\n",
	       dt, t3 - t2, c3 - c2, TARGET_S);
	printf("  drift of module 0: %.4g, largest angle %.3g deg\n", c->drift, c->angle_max);
	ls_watch_free(w);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		die("usage: bench_watch DIR");
	printf("lorascope watch, 224 modules 4096x4096 r 16 (OPENBLAS_NUM_THREADS=%s)\n",
	       getenv("OPENBLAS_NUM_THREADS") ? getenv("OPENBLAS_NUM_THREADS") : "default");
	bench(argv[1], false);
	bench(argv[1], true);
	return 0;
}
