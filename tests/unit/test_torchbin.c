/* test_torchbin.c — the adapter_model.bin reader on archives written here with libzip and
 * pickles assembled opcode by opcode: values, strides, memo, OrderedDict with _metadata; each
 * refusal (foreign global, unknown opcode, every truncation, missing or short storage,
 * big-endian, oversize shapes, other protocols) with its own message. A real adapter
 * written as torch.save writes it is read in tests/e2e/inspect_torchbin.sh. */
#include <zip.h>

#include "iotest.h"

#include "lorascope/adapter.h"
#include "lorascope/torchbin.h"

/* ---- a pickle, opcode by opcode ---- */

typedef struct {
	unsigned char b[4096];
	size_t n;
} pk;

static void raw(pk *p, const void *s, size_t n)
{
	assert_true(p->n + n <= sizeof p->b);
	memcpy(p->b + p->n, s, n);
	p->n += n;
}

static void ops(pk *p, const char *s)
{
	raw(p, s, strlen(s));
}

static void str(pk *p, const char *s)
{
	unsigned char h[5] = { 'X' };
	uint32_t n = (uint32_t)strlen(s);
	for (int i = 0; i < 4; i++)
		h[1 + i] = (unsigned char)(n >> (8 * i));
	raw(p, h, 5);
	raw(p, s, n);
}

/* BININT below 2³¹, LONG1 of 8 bytes above. */
static void num(pk *p, uint64_t v)
{
	unsigned char h[10] = { 'J' };
	size_t at = 1, n = 4;
	if (v >= 0x80000000u) {
		h[0] = 0x8a;
		h[1] = 8;
		at = 2;
		n = 8;
	}
	for (size_t i = 0; i < n; i++)
		h[at + i] = (unsigned char)(v >> (8 * i));
	raw(p, h, at + n);
}

typedef struct {
	const char *name, *storage, *key;
	uint64_t numel, offset, ndim, shape[3], stride[3];
} spec;

/* PROTO 2, a dict (or OrderedDict with BUILD of _metadata) of _rebuild_tensor_v2 calls. */
static void state_dict(pk *p, const spec *t, size_t n, bool ordered)
{
	p->n = 0;
	raw(p, "\x80\x02", 2);
	if (ordered) {
		ops(p, "ccollections\nOrderedDict\n");
		raw(p, "q\0)R(", 5); /* BINPUT 0, OrderedDict(), MARK */
	} else {
		raw(p, "}q\0(", 4); /* BINPUT 0, MARK */
	}
	for (size_t i = 0; i < n; i++) {
		str(p, t[i].name);
		if (i == 0)
			ops(p, "ctorch._utils\n_rebuild_tensor_v2\nq\x01"); /* BINPUT 1 */
		else
			ops(p, "h\x01"); /* BINGET 1: the memoized global */
		ops(p, "((");
		str(p, "storage");
		ops(p, "ctorch\n");
		ops(p, t[i].storage);
		ops(p, "\n");
		str(p, t[i].key);
		str(p, "cpu");
		num(p, t[i].numel);
		ops(p, "tQ");
		num(p, t[i].offset);
		ops(p, "(");
		for (uint64_t d = 0; d < t[i].ndim; d++)
			num(p, t[i].shape[d]);
		ops(p, "t(");
		for (uint64_t d = 0; d < t[i].ndim; d++)
			num(p, t[i].stride[d]);
		raw(p, "t\x89", 2);
		ops(p, "ccollections\nOrderedDict\n)RtR");
	}
	ops(p, "u");
	if (ordered) { /* state_dict()._metadata = OrderedDict({'': {'version': 1}}) */
		ops(p, "}(");
		str(p, "_metadata");
		ops(p, "ccollections\nOrderedDict\n)R");
		str(p, "");
		ops(p, "}");
		str(p, "version");
		ops(p, "K\x01ssub");
	}
	ops(p, ".");
}

/* ---- an archive ---- */

typedef struct {
	const char *name;
	const void *data;
	size_t len;
} rec;

static void write_zip(const char *path, const rec *r, size_t n)
{
	int ze;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
	assert_non_null(z);
	for (size_t i = 0; i < n; i++) {
		zip_source_t *s = zip_source_buffer(z, r[i].data, r[i].len, 0);
		assert_non_null(s);
		zip_int64_t idx = zip_file_add(z, r[i].name, s, ZIP_FL_OVERWRITE);
		assert_true(idx >= 0);
		assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0),
				 0);
	}
	assert_int_equal(zip_close(z), 0);
}

static const float s0[6] = { 1, 2, 3, 4, 5, 6 };
static const float s1[8] = { 10, 11, 12, 13, 14, 15, 16, 17 };

/* The usual archive: data.pkl from p, storages 0 and 1, byteorder (NULL: none). */
static void archive(const char *path, const pk *p, const char *byteorder)
{
	rec r[] = { { "archive/data.pkl", p->b, p->n },
		    { "archive/data/0", s0, sizeof s0 },
		    { "archive/data/1", s1, sizeof s1 },
		    { "archive/version", "3\n", 2 },
		    { "archive/byteorder", byteorder, byteorder ? strlen(byteorder) : 0 } };
	write_zip(path, r, byteorder ? 5 : 4);
}

static const spec good[] = {
	/* row-major [2, 3] */
	{ "m.lora_A.weight", "FloatStorage", "0", 6, 0, 2, { 2, 3 }, { 3, 1 } },
	/* a transposed view [3, 2] of the 2×3 block starting at element 1 */
	{ "m.lora_B.weight", "FloatStorage", "1", 8, 1, 2, { 3, 2 }, { 1, 3 } },
};

static void test_values(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	snprintf(path, sizeof path, "%s/adapter_model.bin", dir);
	for (int ordered = 0; ordered < 2; ordered++) {
		pk p;
		state_dict(&p, good, 2, ordered);
		archive(path, &p, ordered ? "little" : NULL);
		ls_safetensors st;
		ls_error err;
		assert_int_equal(ls_tb_open(&st, path, &err), LS_OK);
		assert_int_equal(st.count, 2);
		const ls_st_tensor *a = ls_st_find(&st, "m.lora_A.weight");
		const ls_st_tensor *b = ls_st_find(&st, "m.lora_B.weight");
		assert_non_null(a);
		assert_non_null(b);
		assert_string_equal(a->dtype, "F32");
		assert_int_equal(b->shape[0], 3);
		ls_mat A, B;
		assert_int_equal(ls_st_tensor_matrix(&st, a, false, &A, &err), LS_OK);
		assert_int_equal(ls_st_tensor_matrix(&st, b, false, &B, &err), LS_OK);
		for (size_t i = 0; i < 2; i++)
			for (size_t j = 0; j < 3; j++) {
				assert_true(LS_AT(A, i, j) == s0[3 * i + j]);
				/* B[j][i] = storage[1 + j·1 + i·3] */
				assert_true(LS_AT(B, j, i) == s1[1 + j + 3 * i]);
			}
		ls_mat_free(&A);
		ls_mat_free(&B);
		ls_st_close(&st);
	}
	/* The adapter reads it: a directory without safetensors, and the .bin path itself. */
	ls_adapter ad;
	ls_error err;
	assert_int_equal(ls_adapter_load(&ad, path, false, &err), LS_OK);
	assert_int_equal(ad.nmod, 1);
	assert_int_equal(ad.modules[0].out, 3);
	assert_int_equal(ad.modules[0].in, 3);
	ls_adapter_free(&ad);
	remove_dir(dir);
}

/* Write p as the pickle (byteorder as given), open, expect code and a message with text. */
static void refused(const char *path, const pk *p, const char *byteorder, ls_status code,
		    const char *text)
{
	archive(path, p, byteorder);
	ls_safetensors st;
	ls_error err;
	assert_int_equal(ls_tb_open(&st, path, &err), code);
	assert_contains(err.msg, path);
	assert_contains(err.msg, text);
	assert_null(st.tensors);
	assert_null(st.owned);
}

static void test_refusals(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	snprintf(path, sizeof path, "%s/x.bin", dir);
	pk p;
	state_dict(&p, good, 2, false);
	refused(path, &p, "big", LS_EUNSUPPORTED, "byteorder 'big'");

	/* A foreign global, where a malicious pickle puts os.system. */
	p.n = 0;
	ops(&p, "\x80\x02}(");
	str(&p, "a");
	ops(&p, "cos\nsystem\n");
	str(&p, "touch pwned");
	raw(&p, "\x85Ru.", 4);
	refused(path, &p, "little", LS_EUNSUPPORTED, "global 'os system' at byte 10 refused");
	/* A storage type called, not named in a persistent id. */
	p.n = 0;
	ops(&p, "\x80\x02}(");
	str(&p, "a");
	ops(&p, "ctorch\nFloatStorage\n)Ru.");
	refused(path, &p, NULL, LS_EFORMAT, "REDUCE of something other than");
	/* An opcode outside the set: EMPTY_LIST, then INST. */
	p.n = 0;
	ops(&p, "\x80\x02]");
	refused(path, &p, NULL, LS_EUNSUPPORTED, "opcode 0x5d ']' at byte 2 refused");
	p.n = 0;
	ops(&p, "\x80\x02(ios\nsystem\n");
	refused(path, &p, NULL, LS_EUNSUPPORTED, "opcode 0x69 'i' at byte 3 refused");
	p.n = 0;
	ops(&p, "\x80\x04}.");
	refused(path, &p, NULL, LS_EUNSUPPORTED, "pickle protocol 4");

	/* Every truncation of a good pickle is refused. */
	pk whole;
	state_dict(&whole, good, 2, true);
	for (size_t n = 0; n < whole.n; n++) {
		p = whole;
		p.n = n;
		archive(path, &p, NULL);
		ls_safetensors st;
		ls_error err;
		assert_int_not_equal(ls_tb_open(&st, path, &err), LS_OK);
		assert_contains(err.msg, "data.pkl");
	}
	p = whole;
	ops(&p, "N");
	refused(path, &p, NULL, LS_EFORMAT, "bytes after STOP");

	/* Storages: missing, short, shapes beyond them (also ones whose size overflows). */
	spec t[1] = { good[0] };
	t[0].key = "7";
	state_dict(&p, t, 1, false);
	refused(path, &p, NULL, LS_EFORMAT, "storage record 'archive/data/7' is missing");
	t[0] = good[0];
	t[0].key = "1"; /* numel 6, then 10, F32 but the record holds 8 floats */
	state_dict(&p, t, 1, false);
	refused(path, &p, NULL, LS_ETOOBIG, "archive/data/1: 32 bytes, more than the 24 expected");
	t[0].numel = 10;
	state_dict(&p, t, 1, false);
	refused(path, &p, NULL, LS_EFORMAT, "archive/data/1 holds 32 bytes, the pickle says 40");
	t[0] = good[0];
	t[0].shape[0] = 3;
	state_dict(&p, t, 1, false);
	refused(path, &p, NULL, LS_EFORMAT, "reach outside its storage of 6 elements");
	t[0].ndim = 3;
	t[0].shape[0] = t[0].shape[1] = t[0].shape[2] = (uint64_t)1 << 40; /* 2¹²⁰ */
	state_dict(&p, t, 1, false);
	refused(path, &p, NULL, LS_EFORMAT, "reach outside its storage");
	t[0] = good[0];
	t[0].stride[0] = 0; /* broadcast: 6 elements from 3 */
	t[0].offset = 3;
	state_dict(&p, t, 1, false);
	archive(path, &p, NULL);
	ls_safetensors st;
	ls_error err;
	assert_int_equal(ls_tb_open(&st, path, &err), LS_OK); /* 6 ≤ 6: read, not refused */
	ls_st_close(&st);
	t[0].shape[0] = 0; /* empty: its offset far beyond the storage is never used */
	t[0].offset = (uint64_t)1 << 60;
	state_dict(&p, t, 1, false);
	archive(path, &p, NULL);
	assert_int_equal(ls_tb_open(&st, path, &err), LS_OK);
	assert_int_equal(st.tensors[0].count, 0);
	ls_st_close(&st);
	spec two[2] = { good[0], good[0] };
	state_dict(&p, two, 2, false);
	refused(path, &p, NULL, LS_EFORMAT, "tensor 'm.lora_A.weight' appears twice");

	/* Not a zip at all (the legacy format), a zip without data.pkl. */
	rec junk[] = { { "archive/data/0", s0, sizeof s0 } };
	write_zip(path, junk, 1);
	assert_int_equal(ls_tb_open(&st, path, &err), LS_EFORMAT);
	assert_contains(err.msg, "without <name>/data.pkl");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs("\x80\x02 the legacy format: pickles, no zip", f);
	fclose(f);
	assert_int_equal(ls_tb_open(&st, path, &err), LS_EFORMAT);
	assert_contains(err.msg, "not a zip archive");
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
