/* test_npy.c — the .npy reader and writer: the NumPy-written fixtures (both byte orders,
 * C and Fortran order), version 2.0/3.0 headers and every dtype built here with known
 * values, each malformed header refused with its own message, and write-then-read. */
#include "iotest.h"

#include "lorascope/fileio.h"
#include "lorascope/inputs.h"
#include "lorascope/npy.h"

/* A .npy image: magic, version, header dict padded to 64 bytes, then data. */
static unsigned char *build_npy(int major, const char *dict, const void *data, size_t dlen,
				size_t *len)
{
	size_t pre = major == 1 ? 10 : 12;
	size_t h = strlen(dict) + 1;
	h += (64 - (pre + h) % 64) % 64;
	*len = pre + h + dlen;
	unsigned char *b = malloc(*len);
	assert_non_null(b);
	memcpy(b, "\x93NUMPY", 6);
	b[6] = (unsigned char)major;
	b[7] = 0;
	b[8] = (unsigned char)(h & 0xff);
	b[9] = (unsigned char)(h >> 8);
	if (major > 1) {
		b[10] = (unsigned char)(h >> 16);
		b[11] = (unsigned char)(h >> 24);
	}
	memset(b + pre, ' ', h);
	memcpy(b + pre, dict, strlen(dict));
	b[pre + h - 1] = '\n';
	if (dlen)
		memcpy(b + pre + h, data, dlen);
	return b;
}

static ls_status parse(const unsigned char *b, size_t len, ls_mat *M, ls_error *err)
{
	return ls_npy_parse(b, len, "t.npy", M, err);
}

/* Replace the first occurrence of from by to (same length) in buf. */
static void patch(unsigned char *buf, size_t len, const char *from, const char *to)
{
	size_t k = strlen(from);
	assert_int_equal(k, strlen(to));
	for (size_t i = 0; i + k <= len; i++)
		if (memcmp(buf + i, from, k) == 0) {
			memcpy(buf + i, to, k);
			return;
		}
	fail_msg("'%s' not found", from);
}

/* The numpy fixtures tests/data/npy/example_f64_<name>.npy, each arange(24).reshape(2, 3, 4)
 * in float64; path := the f-th one's path. */
static const char *const fixture_names[4] = { "little_endian_standard", "little_endian_fortran",
					      "big_endian_standard", "big_endian_fortran" };

static void fixture_path(char *path, size_t len, int f)
{
	snprintf(path, len, "%s/npy/example_f64_%s.npy", LS_TEST_DATA, fixture_names[f]);
}

static void test_fixture_3d_refused(void **state)
{
	(void)state;
	for (int f = 0; f < 4; f++) {
		char path[512];
		fixture_path(path, sizeof path, f);
		ls_mat M;
		ls_error err;
		assert_int_equal(ls_npy_load(path, &M, &err), LS_EDIM);
		assert_contains(err.msg, path);
		assert_contains(err.msg, "3-D array (2, 3, 4): need 1-D or 2-D");
		assert_null(M.data);
	}
}

/* The same fixtures with the shape rewritten to 2-D (same element count). The files hold
 * arange(24).reshape(2, 3, 4): element (a, b, c) = 12a + 4b + c, stored in C or Fortran
 * order. Read as (6, 4) C order, (i, j) = 4i + j; read as (2, 12) Fortran order, column j
 * is (b, c) = (j mod 3, j div 3), so (i, j) = 12i + 4(j mod 3) + j div 3. This checks the
 * byte order and both index orders against values known independently. */
static void test_fixture_orders(void **state)
{
	(void)state;
	for (int f = 0; f < 4; f++) {
		char path[512];
		fixture_path(path, sizeof path, f);
		size_t len;
		unsigned char *b = slurp(path, &len);
		bool fortran = strstr(fixture_names[f], "fortran") != NULL;
		patch(b, len, "(2, 3, 4)", fortran ? "(2, 12)  " : "(6, 4)   ");
		ls_mat M;
		assert_ok(parse(b, len, &M, NULL));
		assert_int_equal(M.rows, fortran ? 2 : 6);
		for (size_t i = 0; i < M.rows; i++)
			for (size_t j = 0; j < M.cols; j++)
				assert_true(LS_AT(M, i, j) ==
					    (double)(fortran ? 12 * i + 4 * (j % 3) + j / 3
							     : 4 * i + j));
		ls_mat_free(&M);
		free(b);
	}
}

static void test_fixture_int32(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof path, "%s/npy/array.npy", LS_TEST_DATA);
	ls_mat M;
	assert_ok(ls_npy_load(path, &M, NULL));
	assert_int_equal(M.rows, 2);
	assert_int_equal(M.cols, 3);
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 3; j++)
			assert_true(LS_AT(M, i, j) == (double)(3 * i + j));
	ls_mat_free(&M);
}

static void test_fixture_bad_bool(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof path, "%s/npy/example_bool_bad_value.npy", LS_TEST_DATA);
	ls_mat M;
	ls_error err;
	assert_int_equal(ls_npy_load(path, &M, &err), LS_EFORMAT);
	assert_contains(err.msg, "example_bool_bad_value.npy: bool element 4 holds byte 0x62");
	/* A valid 2-D bool array reads as 0/1. */
	unsigned char v[4] = { 1, 0, 0, 1 };
	size_t len;
	unsigned char *b = build_npy(
		1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }", v, 4, &len);
	assert_ok(parse(b, len, &M, NULL));
	assert_true(LS_AT(M, 0, 0) == 1 && LS_AT(M, 0, 1) == 0 && LS_AT(M, 1, 1) == 1);
	ls_mat_free(&M);
	free(b);
}

static void test_versions_and_dtypes(void **state)
{
	(void)state;
	/* <f4 and >f4, version 2.0 and 3.0, 2×2 C order: 1.5, -2, 0.25, 3e38. */
	float fv[4] = { 1.5f, -2.0f, 0.25f, 3e38f };
	unsigned char le[16], be[16];
	memcpy(le, fv, 16);
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < 4; i++)
			be[4 * k + i] = le[4 * k + 3 - i];
	for (int major = 2; major <= 3; major++)
		for (int big = 0; big < 2; big++) {
			size_t len;
			unsigned char *b = build_npy(
				major,
				big ? "{\"descr\": \">f4\", \"fortran_order\": False, "
				      "\"shape\": (2, 2)}"
				    : "{'shape': (2, 2), 'descr': '<f4', 'fortran_order': False}",
				big ? be : le, 16, &len);
			ls_mat M;
			assert_ok(parse(b, len, &M, NULL));
			assert_true(LS_AT(M, 0, 0) == 1.5 && LS_AT(M, 0, 1) == -2.0);
			assert_true(LS_AT(M, 1, 0) == 0.25 && LS_AT(M, 1, 1) == (double)3e38f);
			ls_mat_free(&M);
			free(b);
		}
	/* <f2 and >f2, 1-D (6,): 1, -2, 2^-24 (smallest subnormal), 65504 (largest), -0, inf. */
	uint16_t h[6] = { 0x3c00, 0xc000, 0x0001, 0x7bff, 0x8000, 0x7c00 };
	double want[6] = { 1, -2, ldexp(1, -24), 65504, -0.0, INFINITY };
	for (int big = 0; big < 2; big++) {
		unsigned char d[12];
		for (int k = 0; k < 6; k++) {
			d[2 * k + big] = (unsigned char)(h[k] & 0xff);
			d[2 * k + 1 - big] = (unsigned char)(h[k] >> 8);
		}
		size_t len;
		unsigned char *b = build_npy(
			1,
			big ? "{'descr': '>f2', 'fortran_order': False, 'shape': (6,), }"
			    : "{'descr': '<f2', 'fortran_order': True, 'shape': (6,), }",
			d, 12, &len);
		ls_mat M;
		assert_ok(parse(b, len, &M, NULL));
		assert_int_equal(M.rows, 6);
		assert_int_equal(M.cols, 1);
		for (int k = 0; k < 6; k++)
			assert_true(LS_AT(M, k, 0) == want[k]);
		assert_true(signbit(LS_AT(M, 4, 0)));
		ls_mat_free(&M);
		free(b);
	}
	/* NaN half. */
	assert_true(isnan(ls_npy_half_to_double(0x7e00)));
	/* Signed and unsigned integers: >i2 -3, <u8 2^63, |i1 -128. */
	unsigned char i2[2] = { 0xff, 0xfd };
	size_t len;
	unsigned char *b = build_npy(1, "{'descr': '>i2', 'fortran_order': False, 'shape': (1,), }",
				     i2, 2, &len);
	ls_mat M;
	assert_ok(parse(b, len, &M, NULL));
	assert_true(LS_AT(M, 0, 0) == -3);
	ls_mat_free(&M);
	free(b);
	unsigned char u8[8] = { 0, 0, 0, 0, 0, 0, 0, 0x80 };
	b = build_npy(1, "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", u8, 8, &len);
	assert_ok(parse(b, len, &M, NULL));
	assert_true(LS_AT(M, 0, 0) == ldexp(1, 63));
	ls_mat_free(&M);
	free(b);
	unsigned char i1[1] = { 0x80 };
	b = build_npy(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (1, 1), }", i1, 1,
		      &len);
	assert_ok(parse(b, len, &M, NULL));
	assert_true(LS_AT(M, 0, 0) == -128);
	ls_mat_free(&M);
	free(b);
}

typedef struct {
	const char *dict;
	size_t dlen;
	ls_status code;
	const char *msg;
} bad_case;

static void test_bad_headers(void **state)
{
	(void)state;
	static const bad_case cases[] = {
		{ "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 16, LS_EUNSUPPORTED,
		  "t.npy: dtype '<c16' not supported" },
		{ "{'descr': '|f8', 'fortran_order': False, 'shape': (1,), }", 8, LS_EUNSUPPORTED,
		  "dtype '|f8' not supported" },
		{ "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", 8,
		  LS_EUNSUPPORTED, "structured dtype" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8, LS_EDIM,
		  "t.npy: 0-D array (): need 1-D or 2-D" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1), }", 8, LS_EDIM,
		  "3-D array (1, 1, 1)" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 24, LS_EFORMAT,
		  "truncated data (32 bytes needed, 24 present)" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 40, LS_EFORMAT,
		  "8 trailing bytes after the data" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", 32,
		  LS_EFORMAT, "unexpected or repeated key 'x'" },
		{ "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", 8,
		  LS_EFORMAT, "unexpected or repeated key 'descr'" },
		{ "{'descr': '<f8', 'shape': (1,)}", 8, LS_EFORMAT, "missing one of" },
		{ "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}", 8, LS_EFORMAT,
		  "fortran_order must be True or False" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (1)}", 8, LS_EFORMAT,
		  "a 1-D shape is written (n,)" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", 8, LS_EFORMAT,
		  "non-negative integers" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (65536, 65536)}", 8,
		  LS_ETOOBIG, "more than" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
		  8, LS_ETOOBIG, "shape entry too large" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} x", 8, LS_EFORMAT,
		  "text after the closing '}'" },
		{ "['descr']", 8, LS_EFORMAT, "expected '{'" },
		{ "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4294967296)}", 0,
		  LS_ETOOBIG, "more than" },
	};
	unsigned char zeros[64] = { 0 };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t len;
		unsigned char *b = build_npy(1, cases[c].dict, zeros, cases[c].dlen, &len);
		ls_mat M;
		ls_error err;
		ls_status st = parse(b, len, &M, &err);
		if (st != cases[c].code)
			fail_msg("case %zu (%s): %s, message \"%s\"", c, cases[c].dict,
				 ls_strerror(st), err.msg);
		assert_contains(err.msg, cases[c].msg);
		assert_null(M.data);
		free(b);
	}
}

static void test_bad_framing(void **state)
{
	(void)state;
	size_t len;
	unsigned char *b = build_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
				     "\0\0\0\0\0\0\0\0", 8, &len);
	ls_mat M;
	ls_error err;
	b[1] = 'X';
	assert_int_equal(parse(b, len, &M, &err), LS_EFORMAT);
	assert_contains(err.msg, "t.npy: not a .npy file (bad magic)");
	b[1] = 'N';
	b[6] = 4;
	assert_int_equal(parse(b, len, &M, &err), LS_EUNSUPPORTED);
	assert_contains(err.msg, "version 4.0 not supported");
	b[6] = 1;
	assert_int_equal(parse(b, 9, &M, &err), LS_EFORMAT);
	assert_int_equal(parse(b, 40, &M, &err), LS_EFORMAT);
	assert_contains(err.msg, "truncated .npy header");
	/* NumPy's header limit: 10000 bytes. */
	b[8] = 0x11;
	b[9] = 0x27; /* 10001 */
	assert_int_equal(parse(b, len, &M, &err), LS_ETOOBIG);
	assert_contains(err.msg, "header of 10001 bytes exceeds the limit of 10000");
	free(b);
	/* A header exactly at the limit is fine. */
	char dict[10000];
	memset(dict, ' ', sizeof dict);
	const char *d = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
	memcpy(dict, d, strlen(d));
	dict[10000 - 64 - 1] = '\0';
	b = build_npy(2, dict, "\0\0\0\0\0\0\0\0", 8, &len);
	assert_ok(parse(b, len, &M, NULL));
	ls_mat_free(&M);
	free(b);
	assert_int_equal(ls_npy_load("/nonexistent/x.npy", &M, &err), LS_EIO);
	assert_contains(err.msg, "/nonexistent/x.npy: cannot open");
}

static void test_write_read_round_trip(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	snprintf(path, sizeof path, "%s/out.npy", dir);
	ls_mat big, M;
	assert_ok(ls_mat_alloc(&big, 7, 4, NULL));
	for (size_t j = 0; j < 4; j++)
		for (size_t i = 0; i < 7; i++)
			LS_AT(big, i, j) = (i + 1) * 1.0 / (j + 3) - (double)j * 1e300 * (i == 6);
	/* A strided view: 5×3 out of the 7×4. */
	ls_mat V = ls_mat_block(big, 1, 1, 5, 3);
	LS_AT(V, 2, 2) = NAN;
	assert_ok(ls_npy_save(path, &V, NULL));
	assert_int_equal(dir_entries(dir), 1);
	size_t len;
	unsigned char *b = slurp(path, &len);
	assert_int_equal((len - 5 * 3 * 8) % 64, 0); /* data aligned as NumPy does */
	assert_contains((const char *)b + 10, "'shape': (5, 3)");
	free(b);
	assert_ok(ls_npy_load(path, &M, NULL));
	assert_int_equal(M.rows, 5);
	assert_int_equal(M.cols, 3);
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 3; j++)
			if (i == 2 && j == 2)
				assert_true(isnan(LS_AT(M, i, j)));
			else
				assert_true(LS_AT(M, i, j) == LS_AT(V, i, j));
	ls_mat_free(&M);
	/* Through the extension dispatch, and an n×1 matrix. */
	ls_mat C = ls_mat_cols(big, 0, 1);
	assert_ok(ls_matrix_save(path, &C, NULL));
	assert_ok(ls_matrix_load(path, &M, NULL));
	assert_int_equal(M.cols, 1);
	assert_true(LS_AT(M, 3, 0) == LS_AT(big, 3, 0));
	ls_mat_free(&M);
	ls_mat_free(&big);
	remove_dir(dir);
}

static ls_status failing_writer(FILE *f, const void *ctx, ls_error *err)
{
	(void)ctx;
	fputs("partial contents", f);
	return ls_error_set(err, LS_EIO, "disk on fire");
}

static void test_atomic_write_leaves_nothing(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	snprintf(path, sizeof path, "%s/keep.npy", dir);
	ls_error err;
	/* A failing writer: no file appears, no temporary is left. */
	assert_int_equal(ls_file_write_atomic(path, failing_writer, NULL, &err), LS_EIO);
	assert_contains(err.msg, path);
	assert_contains(err.msg, "disk on fire");
	assert_int_equal(dir_entries(dir), 0);
	/* An existing file survives a failed rewrite unchanged. */
	ls_mat M;
	assert_ok(ls_mat_alloc(&M, 2, 2, NULL));
	LS_AT(M, 1, 0) = 7;
	assert_ok(ls_npy_save(path, &M, NULL));
	assert_int_equal(ls_file_write_atomic(path, failing_writer, NULL, &err), LS_EIO);
	assert_int_equal(dir_entries(dir), 1);
	ls_mat R;
	assert_ok(ls_npy_load(path, &R, NULL));
	assert_true(LS_AT(R, 1, 0) == 7);
	ls_mat_free(&R);
	/* A directory that does not exist. */
	char missing[600];
	snprintf(missing, sizeof missing, "%s/no/such/dir/x.npy", dir);
	assert_int_equal(ls_npy_save(missing, &M, &err), LS_EIO);
	assert_contains(err.msg, missing);
	assert_ok(ls_matrix_expect("a.npy", &M, 2, 2, "b.npy", NULL));
	assert_ok(ls_matrix_expect("a.npy", &M, LS_ANY, 2, "b.npy", NULL));
	assert_int_equal(ls_matrix_expect("a.npy", &M, 2, 3, "b.npy", &err), LS_EDIM);
	assert_string_equal(err.msg, "a.npy is 2×2, but b.npy needs 2×3");
	assert_int_equal(ls_matrix_expect("a.npy", &M, 5, LS_ANY, "--m 5", &err), LS_EDIM);
	assert_string_equal(err.msg, "a.npy is 2×2, but --m 5 needs 5×*");
	assert_int_equal(ls_matrix_save("x.bin", &M, &err), LS_EUNSUPPORTED);
	assert_int_equal(ls_matrix_load("x.bin", &M, &err), LS_EUNSUPPORTED);
	assert_contains(err.msg, "x.bin: unknown matrix format");
	ls_mat_free(&M);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_3d_refused),
		cmocka_unit_test(test_fixture_orders),
		cmocka_unit_test(test_fixture_int32),
		cmocka_unit_test(test_fixture_bad_bool),
		cmocka_unit_test(test_versions_and_dtypes),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_framing),
		cmocka_unit_test(test_write_read_round_trip),
		cmocka_unit_test(test_atomic_write_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
