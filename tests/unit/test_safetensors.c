/* test_safetensors.c — the .safetensors reader on files built here: every dtype with known
 * values (F16/BF16 exactly), __metadata__, tensor choice by name, and each structure the
 * format forbids refused with its own message; the writer (ls_st_save) read back bit for bit,
 * its bad names refused with no file left. */
#include <float.h>

#include "iotest.h"

#include "lorascope/fileio.h"
#include "lorascope/safetensors.h"

/* An image from a header written with ' for " (easier to read in C) and the data bytes. */
static unsigned char *build_st(const char *hdr, const void *data, size_t dlen, size_t *len)
{
	size_t n = strlen(hdr);
	*len = 8 + n + dlen;
	unsigned char *b = malloc(*len + 1);
	assert_non_null(b);
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)n >> (8 * i));
	for (size_t i = 0; i < n; i++)
		b[8 + i] = hdr[i] == '\'' ? '"' : (unsigned char)hdr[i];
	if (dlen)
		memcpy(b + 8 + n, data, dlen);
	return b;
}

static void put_le(unsigned char *p, uint64_t v, size_t size)
{
	for (size_t i = 0; i < size; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void test_every_dtype(void **state)
{
	(void)state;
	unsigned char d[256];
	size_t off = 0;
	/* F64 [2, 2] row-major: 1, 2, 3, 4 → rows (1 2), (3 4). */
	double f64[4] = { 1, 2, 3, 4 };
	for (int k = 0; k < 4; k++) {
		uint64_t u;
		memcpy(&u, &f64[k], 8);
		put_le(d + off, u, 8);
		off += 8;
	}
	/* F32 [3]: 0.1f, -1e-40f (subnormal), 3.5. */
	float f32[3] = { 0.1f, -1e-40f, 3.5f };
	for (int k = 0; k < 3; k++) {
		uint32_t u;
		memcpy(&u, &f32[k], 4);
		put_le(d + off, u, 4);
		off += 4;
	}
	/* F16 [1, 3]: 0.333251953125 (0x3555), -65504 (0xfbff), 2^-24 (0x0001). */
	uint16_t f16[3] = { 0x3555, 0xfbff, 0x0001 };
	for (int k = 0; k < 3; k++, off += 2)
		put_le(d + off, f16[k], 2);
	/* BF16 [3, 1]: 1.0 (0x3f80), -0.0078125 (0xbc00), 3.3895313892515355e38 (0x7f7f). */
	uint16_t bf16[3] = { 0x3f80, 0xbc00, 0x7f7f };
	for (int k = 0; k < 3; k++, off += 2)
		put_le(d + off, bf16[k], 2);
	/* I32 [2]: -5, 7; U8 [2]: 255, 0; BOOL [2]: 1, 0; I64 [1]: -2^40; I8 [1]: -1. */
	put_le(d + off, (uint32_t)-5, 4);
	put_le(d + off + 4, 7, 4);
	off += 8;
	d[off++] = 255;
	d[off++] = 0;
	d[off++] = 1;
	d[off++] = 0;
	put_le(d + off, (uint64_t) - ((int64_t)1 << 40), 8);
	off += 8;
	d[off++] = 0xff;
	const char *hdr = "{'__metadata__': {'format': 'pt', 'note': 'x'},"
			  " 'f64': {'dtype': 'F64', 'shape': [2, 2], 'data_offsets': [0, 32]},"
			  " 'f32': {'dtype': 'F32', 'shape': [3], 'data_offsets': [32, 44]},"
			  " 'f16': {'dtype': 'F16', 'shape': [1, 3], 'data_offsets': [44, 50]},"
			  " 'bf16': {'dtype': 'BF16', 'shape': [3, 1], 'data_offsets': [50, 56]},"
			  " 'i32': {'dtype': 'I32', 'shape': [2], 'data_offsets': [56, 64]},"
			  " 'u8': {'dtype': 'U8', 'shape': [2], 'data_offsets': [64, 66]},"
			  " 'b': {'dtype': 'BOOL', 'shape': [2], 'data_offsets': [66, 68]},"
			  " 'i64': {'dtype': 'I64', 'shape': [1], 'data_offsets': [68, 76]},"
			  " 'i8': {'dtype': 'I8', 'shape': [1], 'data_offsets': [76, 77]}}  ";
	size_t len;
	unsigned char *b = build_st(hdr, d, off, &len);
	ls_safetensors st;
	assert_ok(ls_st_parse(&st, b, len, "t.safetensors", NULL));
	assert_int_equal(st.count, 9);
	assert_string_equal(ls_st_meta(&st, "format"), "pt");
	assert_string_equal(ls_st_meta(&st, "note"), "x");
	assert_null(ls_st_meta(&st, "absent"));
	assert_string_equal(st.tensors[0].name, "b"); /* sorted by name */
	struct {
		const char *name;
		size_t rows, cols;
		double v[4];
	} want[] = {
		{ "f64", 2, 2, { 1, 3, 2, 4 } }, /* column-major */
		{ "f32", 3, 1, { (double)0.1f, (double)-1e-40f, 3.5 } },
		{ "f16", 1, 3, { 0.333251953125, -65504, 0x1p-24 } },
		{ "bf16", 3, 1, { 1.0, -0.0078125, 3.3895313892515355e38 } },
		{ "i32", 2, 1, { -5, 7 } },
		{ "u8", 2, 1, { 255, 0 } },
		{ "b", 2, 1, { 1, 0 } },
		{ "i64", 1, 1, { -1099511627776.0 } },
		{ "i8", 1, 1, { -1 } },
	};
	for (size_t t = 0; t < sizeof want / sizeof want[0]; t++) {
		const ls_st_tensor *x = ls_st_find(&st, want[t].name);
		assert_non_null(x);
		ls_mat M;
		assert_ok(ls_st_tensor_matrix(&st, x, false, &M, NULL));
		assert_int_equal(M.rows, want[t].rows);
		assert_int_equal(M.cols, want[t].cols);
		for (size_t k = 0; k < M.rows * M.cols; k++)
			if (M.data[k] != want[t].v[k])
				fail_msg("%s[%zu] = %.17g, want %.17g", want[t].name, k, M.data[k],
					 want[t].v[k]);
		ls_mat_free(&M);
	}
	assert_null(ls_st_find(&st, "nope"));
	ls_st_close(&st);
	free(b);
}

typedef struct {
	const char *hdr;
	size_t dlen;
	ls_status code;
	const char *msg;
} bad_case;

static void test_forbidden_structures(void **state)
{
	(void)state;
	static const bad_case cases[] = {
		{ "{'a': {'dtype': 'F32', 'shape': [2], 'data_offsets': [0, 8]},"
		  " 'b': {'dtype': 'F32', 'shape': [2], 'data_offsets': [4, 12]}}",
		  12, LS_EFORMAT,
		  "t.safetensors: tensor 'b': data_offsets [4, 12] overlap tensor 'a'" },
		{ "{'a': {'dtype': 'F32', 'shape': [4], 'data_offsets': [0, 16]}}", 8, LS_EFORMAT,
		  "tensor 'a': data_offsets [0, 16] out of range (data section has 8 bytes)" },
		{ "{'a': {'dtype': 'F32', 'shape': [2], 'data_offsets': [0, 8]},"
		  " 'b': {'dtype': 'F32', 'shape': [2], 'data_offsets': [16, 24]}}",
		  24, LS_EFORMAT, "hole of 8 bytes in the data before tensor 'b'" },
		{ "{'a': {'dtype': 'F32', 'shape': [2], 'data_offsets': [8, 16]}}", 16, LS_EFORMAT,
		  "hole of 8 bytes in the data before tensor 'a'" },
		{ "{'a': {'dtype': 'F32', 'shape': [2], 'data_offsets': [0, 8]}}", 12, LS_EFORMAT,
		  "4 trailing bytes after the last tensor" },
		{ "{'a': {'dtype': 'F32', 'shape': [3], 'data_offsets': [0, 8]}}", 8, LS_EFORMAT,
		  "tensor 'a': data_offsets [0, 8] hold 8 bytes, but F32 × 3 elements need 12" },
		{ "{'a': {'dtype': 'F128', 'shape': [1], 'data_offsets': [0, 16]}}", 16, LS_EFORMAT,
		  "tensor 'a': unknown dtype 'F128'" },
		{ "{'a': {'dtype': 'F32', 'shape': [1], 'data_offsets': [4, 0]}}", 4, LS_EFORMAT,
		  "end before begin" },
		{ "{'a': {'dtype': 'F32', 'shape': [-1], 'data_offsets': [0, 4]}}", 4, LS_EFORMAT,
		  "shape entries must be non-negative integers" },
		{ "{'a': {'dtype': 'F32', 'shape': [1], 'data_offsets': [0]}}", 4, LS_EFORMAT,
		  "data_offsets must be [begin, end]" },
		{ "{'a': {'dtype': 'F32', 'shape': [1]}}", 4, LS_EFORMAT, "needs string 'dtype'" },
		{ "{'a': 3}", 0, LS_EFORMAT, "tensor 'a': entry is not an object" },
		{ "{'a': {'dtype': 'F32', 'shape': [1], 'data_offsets': [0, 4]}", 4, LS_EFORMAT,
		  "t.safetensors: bad JSON header" },
		{ "{'a': 1, 'a': 2}", 0, LS_EFORMAT, "bad JSON header" },
		{ "{} trailing", 0, LS_EFORMAT, "bad JSON header" },
		{ "[1, 2]", 0, LS_EFORMAT, "header does not start with '{'" },
		{ "{'__metadata__': {'format': 1}}", 0, LS_EFORMAT,
		  "__metadata__ value of 'format' is not a string" },
		{ "{'__metadata__': []}", 0, LS_EFORMAT, "__metadata__ is not an object" },
		{ "{'a': {'dtype': 'F32', 'shape': [4294967296, 4294967296, 4294967296],"
		  " 'data_offsets': [0, 4]}}",
		  4, LS_ETOOBIG, "shape too large" },
		{ "{'a': {'dtype': 'F32', 'shape': [1,1,1,1,1,1,1,1,1], 'data_offsets': [0, 4]}}",
		  4, LS_EUNSUPPORTED, "9 dimensions" },
	};
	unsigned char zeros[32] = { 0 };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t len;
		unsigned char *b = build_st(cases[c].hdr, zeros, cases[c].dlen, &len);
		ls_safetensors st;
		ls_error err;
		ls_status s = ls_st_parse(&st, b, len, "t.safetensors", &err);
		if (s != cases[c].code)
			fail_msg("case %zu: %s, message \"%s\"", c, ls_strerror(s), err.msg);
		assert_contains(err.msg, cases[c].msg);
		ls_st_close(&st);
		free(b);
	}
}

static void test_header_length(void **state)
{
	(void)state;
	size_t len;
	unsigned char *b = build_st("{}", NULL, 0, &len);
	ls_safetensors st;
	ls_error err;
	assert_ok(ls_st_parse(&st, b, len, "t.safetensors", NULL));
	assert_int_equal(st.count, 0);
	ls_st_close(&st);
	/* Just above the format's 100 MB limit: refused before anything is read. */
	put_le(b, 100000001, 8);
	assert_int_equal(ls_st_parse(&st, b, len, "t.safetensors", &err), LS_ETOOBIG);
	assert_contains(err.msg, "header length 100000001 exceeds the limit of 100000000 bytes");
	ls_st_close(&st);
	put_le(b, 3, 8);
	assert_int_equal(ls_st_parse(&st, b, len, "t.safetensors", &err), LS_EFORMAT);
	assert_contains(err.msg, "runs past the end of the file");
	ls_st_close(&st);
	assert_int_equal(ls_st_parse(&st, b, 5, "t.safetensors", &err), LS_EFORMAT);
	assert_contains(err.msg, "need an 8-byte header length");
	ls_st_close(&st);
	free(b);
}

static void test_files_and_names(void **state)
{
	(void)state;
	char dir[256], path[512], spec[600];
	scratch_dir(dir);
	unsigned char d[24 + 32 + 1];
	for (int k = 0; k < 6; k++) {
		float v = (float)k;
		uint32_t u;
		memcpy(&u, &v, 4);
		put_le(d + 4 * k, u, 4);
	}
	memset(d + 24, 0, sizeof d - 24);
	d[56] = 0x38; /* F8_E4M3 */
	size_t len;
	unsigned char *b = build_st("{'mat': {'dtype': 'F32', 'shape': [2, 3], "
				    "'data_offsets': [0, 24]},"
				    " 'cube': {'dtype': 'F32', 'shape': [2, 2, 2], 'data_offsets': "
				    "[24, 56]}, 'f8': {'dtype': 'F8_E4M3', 'shape': [1], "
				    "'data_offsets': [56, 57]}}",
				    d, sizeof d, &len);
	write_file(dir, "m.safetensors", b, len, path);
	free(b);
	ls_mat M;
	ls_error err;
	snprintf(spec, sizeof spec, "%s:mat", path);
	assert_ok(ls_matrix_load(spec, &M, NULL));
	assert_int_equal(M.rows, 2);
	assert_int_equal(M.cols, 3);
	assert_true(LS_AT(M, 1, 0) == 3 && LS_AT(M, 0, 2) == 2);
	ls_mat_free(&M);
	snprintf(spec, sizeof spec, "%s:foo", path);
	assert_int_equal(ls_matrix_load(spec, &M, &err), LS_EINVAL);
	assert_contains(err.msg, "m.safetensors: tensor 'foo' not found (have: cube, f8, mat)");
	assert_int_equal(ls_matrix_load(path, &M, &err), LS_EINVAL);
	assert_contains(err.msg, "3 tensors: pick one with");
	snprintf(spec, sizeof spec, "%s:cube", path);
	assert_int_equal(ls_matrix_load(spec, &M, &err), LS_EDIM);
	assert_contains(err.msg, "tensor 'cube': 3-D shape [2, 2, 2]: need 1-D or 2-D");
	snprintf(spec, sizeof spec, "%s:f8", path);
	assert_int_equal(ls_matrix_load(spec, &M, &err), LS_EUNSUPPORTED);
	assert_contains(err.msg, "dtype F8_E4M3 cannot be loaded");
	/* An empty tensor with a huge dimension is refused, not made a 0×huge matrix. */
	{
		size_t blen;
		unsigned char *e = build_st("{'e': {'dtype': 'F32', 'shape': [0, 4294967296], "
					    "'data_offsets': [0, 0]}}",
					    NULL, 0, &blen);
		ls_safetensors se;
		assert_ok(ls_st_parse(&se, e, blen, "e.safetensors", NULL));
		assert_int_equal(ls_st_tensor_matrix(&se, &se.tensors[0], false, &M, &err),
				 LS_ETOOBIG);
		assert_contains(err.msg, "tensor 'e': more than");
		ls_st_close(&se);
		free(e);
	}
	/* Flattened (as conv kernels are): 2×4. */
	ls_safetensors st;
	assert_ok(ls_st_open(&st, path, NULL));
	assert_ok(ls_st_tensor_matrix(&st, ls_st_find(&st, "cube"), true, &M, NULL));
	assert_int_equal(M.rows, 2);
	assert_int_equal(M.cols, 4);
	ls_mat_free(&M);
	ls_st_close(&st);
	/* A file that is not there, an empty file. */
	snprintf(spec, sizeof spec, "%s/none.safetensors", dir);
	assert_int_equal(ls_matrix_load(spec, &M, &err), LS_EIO);
	assert_contains(err.msg, "none.safetensors: cannot open");
	write_file(dir, "empty.safetensors", "", 0, path);
	assert_int_equal(ls_matrix_load(path, &M, &err), LS_EFORMAT);
	assert_contains(err.msg, "empty.safetensors: not a safetensors file");
	remove_dir(dir);
}

/* Names from a file reach messages only through ls_text_printable: an escape sequence or a
 * line break in a tensor name is shown as \xNN, so the message stays one harmless line. */
static void test_untrusted_names(void **state)
{
	(void)state;
	char out[64];
	assert_string_equal(ls_text_printable(out, sizeof out, "q_proj.σ"), "q_proj.σ");
	assert_string_equal(ls_text_printable(out, sizeof out, "a\x1b[2Jb\nc\td\x7f"),
			    "a\\x1B[2Jb\\x0Ac\\x09d\\x7F");
	/* Invalid UTF-8: a lone continuation byte, an overlong '/', a surrogate, a C1 control. */
	assert_string_equal(
		ls_text_printable(out, sizeof out, "\x80|\xC0\xAF|\xED\xA0\x80|\xC2\x9B"),
		"\\x80|\\xC0\\xAF|\\xED\\xA0\\x80|\\xC2\\x9B");
	/* Cut at a whole escape or character, always terminated. */
	assert_string_equal(ls_text_printable(out, 6, "ab\x1b"), "ab");
	assert_string_equal(ls_text_printable(out, 4, "aσb"), "aσ");
	char dir[256], path[512], spec[600];
	scratch_dir(dir);
	unsigned char d[8] = { 0 };
	size_t len;
	unsigned char *b = build_st("{'evil\\u001b]0;pwned\\u0007\\nname': {'dtype': 'F32', "
				    "'shape': [2], 'data_offsets': [0, 8]}}",
				    d, sizeof d, &len);
	write_file(dir, "n.safetensors", b, len, path);
	free(b);
	ls_mat M;
	ls_error err;
	snprintf(spec, sizeof spec, "%s:other", path);
	assert_int_equal(ls_matrix_load(spec, &M, &err), LS_EINVAL);
	assert_contains(err.msg, "(have: evil\\x1B]0;pwned\\x07\\x0Aname)");
	assert_null(strchr(err.msg, '\n'));
	assert_null(strchr(err.msg, '\x1b'));
	remove_dir(dir);
}

/* ls_st_save → ls_st_open: shapes, offsets, 8-aligned data, metadata and every bit (a view
 * with ld > rows, a transposed tensor, -0, a subnormal, DBL_MAX). */
static void test_writer_round_trip(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	double a[5 * 4], b[2 * 3];
	for (int i = 0; i < 20; i++)
		a[i] = (i - 7) / 3.0;
	a[1] = -0.0, a[2] = 5e-324, a[3] = DBL_MAX;
	for (int i = 0; i < 6; i++)
		b[i] = 1.0 / (i + 1);
	ls_mat A = ls_mat_view(a, 3, 4, 5); /* rows 3 and 4 of each column are not A's */
	ls_mat B = ls_mat_view(b, 2, 3, 2);
	ls_st_out t[] = { { .name = "x.lora_B.weight", .M = &A },
			  { .name = "x.lora_A.weight", .M = &B, .transposed = true } };
	const char *meta[] = { "format", "pt", "lorascope.step", "12" };
	snprintf(path, sizeof path, "%s/w.safetensors", dir);
	ls_error err;
	assert_ok(ls_st_save(path, t, 2, meta, 2, &err));
	size_t len;
	unsigned char *raw = slurp(path, &len);
	uint64_t hl = 0;
	for (int i = 0; i < 8; i++)
		hl |= (uint64_t)raw[i] << (8 * i);
	assert_int_equal(hl % 8, 0);
	assert_int_equal(len, 8 + hl + 8 * (12 + 6));
	free(raw);

	ls_safetensors st;
	assert_ok(ls_st_open(&st, path, &err));
	assert_int_equal(st.count, 2);
	assert_string_equal(ls_st_meta(&st, "format"), "pt");
	assert_string_equal(ls_st_meta(&st, "lorascope.step"), "12");
	const ls_st_tensor *tb = ls_st_find(&st, "x.lora_B.weight");
	const ls_st_tensor *ta = ls_st_find(&st, "x.lora_A.weight");
	assert_non_null(tb);
	assert_non_null(ta);
	assert_string_equal(tb->dtype, "F64");
	assert_int_equal(tb->ndim, 2);
	assert_int_equal(tb->shape[0], 3);
	assert_int_equal(tb->shape[1], 4);
	assert_int_equal(tb->begin, 0); /* in the order given */
	assert_int_equal(ta->shape[0], 3);
	assert_int_equal(ta->shape[1], 2);
	assert_int_equal(ta->begin, 96);
	ls_mat M, N;
	assert_ok(ls_st_tensor_matrix(&st, tb, false, &M, &err));
	assert_ok(ls_st_tensor_matrix(&st, ta, false, &N, &err));
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 4; j++)
			assert_memory_equal(&LS_AT(M, i, j), &LS_AT(A, i, j), sizeof(double));
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 2; j++)
			assert_memory_equal(&LS_AT(N, i, j), &LS_AT(B, j, i), sizeof(double));
	ls_mat_free(&M);
	ls_mat_free(&N);
	ls_st_close(&st);
	remove_dir(dir);

	/* Bad names: refused, no file (nor temporary) left. */
	scratch_dir(dir);
	snprintf(path, sizeof path, "%s/bad.safetensors", dir);
	ls_st_out twice[] = { { .name = "w", .M = &A }, { .name = "w", .M = &B } };
	assert_int_equal(ls_st_save(path, twice, 2, NULL, 0, &err), LS_EINVAL);
	assert_contains(err.msg, "'w'");
	ls_st_out reserved[] = { { .name = "__metadata__", .M = &A } };
	assert_int_equal(ls_st_save(path, reserved, 1, NULL, 0, &err), LS_EINVAL);
	ls_st_out empty[] = { { .name = "", .M = &A } };
	assert_int_equal(ls_st_save(path, empty, 1, NULL, 0, &err), LS_EINVAL);
	assert_int_equal(dir_entries(dir), 0);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_dtype),     cmocka_unit_test(test_forbidden_structures),
		cmocka_unit_test(test_header_length),   cmocka_unit_test(test_files_and_names),
		cmocka_unit_test(test_untrusted_names), cmocka_unit_test(test_writer_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
