/* test_mtx.c — the Matrix Market reader: coordinate and array, real/integer/pattern,
 * general/symmetric/skew-symmetric, against matrices written out by hand, and malformed
 * files refused with messages naming the line. */
#include "iotest.h"

#include "lorascope/fileio.h"
#include "lorascope/mtx.h"

static ls_status parse(const char *text, ls_mat *M, ls_error *err)
{
	return ls_mtx_parse(text, strlen(text), "t.mtx", M, err);
}

static void expect(const ls_mat *M, size_t rows, size_t cols, const double *rowmajor)
{
	assert_int_equal(M->rows, rows);
	assert_int_equal(M->cols, cols);
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			if (LS_AT(*M, i, j) != rowmajor[i * cols + j])
				fail_msg("(%zu, %zu) = %g, want %g", i, j, LS_AT(*M, i, j),
					 rowmajor[i * cols + j]);
}

static void test_formats(void **state)
{
	(void)state;
	ls_mat M;
	assert_ok(parse("%%MatrixMarket matrix coordinate real general\n% a comment\n\n"
			"3 2 4\n1 1 1.5\n3 2 -2e-3\n2 1 4\n2 1 1\n",
			&M, NULL));
	expect(&M, 3, 2, (const double[]){ 1.5, 0, 5, 0, 0, -2e-3 }); /* (2,1) summed */
	ls_mat_free(&M);
	assert_ok(parse("%%matrixmarket MATRIX Coordinate Pattern Symmetric\r\n3 3 3\r\n1 1\r\n"
			"3 1\r\n3 2\r\n",
			&M, NULL));
	expect(&M, 3, 3, (const double[]){ 1, 0, 1, 0, 0, 1, 1, 1, 0 });
	ls_mat_free(&M);
	assert_ok(parse("%%MatrixMarket matrix coordinate integer skew-symmetric\n2 2 1\n2 1 7\n",
			&M, NULL));
	expect(&M, 2, 2, (const double[]){ 0, -7, 7, 0 });
	ls_mat_free(&M);
	/* Array: column-major. */
	assert_ok(parse("%%MatrixMarket matrix array real general\n2 3\n1\n2\n3\n4\n5\n6\n", &M,
			NULL));
	expect(&M, 2, 3, (const double[]){ 1, 3, 5, 2, 4, 6 });
	ls_mat_free(&M);
	/* Symmetric array: the lower triangle, column by column. */
	assert_ok(parse("%%MatrixMarket matrix array integer symmetric\n3 3\n1\n2\n3\n4\n5\n6\n",
			&M, NULL));
	expect(&M, 3, 3, (const double[]){ 1, 2, 3, 2, 4, 5, 3, 5, 6 });
	ls_mat_free(&M);
	assert_ok(
		parse("%%MatrixMarket matrix array real skew-symmetric\n3 3\n1\n2\n3\n", &M, NULL));
	expect(&M, 3, 3, (const double[]){ 0, -1, -2, 1, 0, -3, 2, 3, 0 });
	ls_mat_free(&M);
}

static void test_bad_files(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		ls_status code;
		const char *msg;
	} cases[] = {
		{ "", LS_EFORMAT, "t.mtx: empty file" },
		{ "%%MatrixMarket matrix coordinate real\n1 1 0\n", LS_EFORMAT,
		  "line 1: expected" },
		{ "%%MatrixMarket vector coordinate real general\n", LS_EUNSUPPORTED,
		  "object 'vector'" },
		{ "%%MatrixMarket matrix coordinate complex general\n", LS_EUNSUPPORTED,
		  "field 'complex' not supported" },
		{ "%%MatrixMarket matrix array pattern general\n", LS_EUNSUPPORTED,
		  "field 'pattern' not supported" },
		{ "%%MatrixMarket matrix coordinate real weird\n", LS_EFORMAT, "symmetry 'weird'" },
		{ "%%MatrixMarket matrix coordinate real general\n", LS_EFORMAT, "no size line" },
		{ "%%MatrixMarket matrix coordinate real general\n2 2\n", LS_EFORMAT,
		  "line 2: expected 3 non-negative integers" },
		{ "%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n", LS_ERANGE,
		  "line 3: entry (3, 1) outside the 2×2 matrix" },
		{ "%%MatrixMarket matrix coordinate real general\n2 2 1\n0 1 1\n", LS_ERANGE,
		  "entry (0, 1)" },
		{ "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n", LS_EFORMAT,
		  "2 entries announced, only 1 present" },
		{ "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1\n2 2 2\n",
		  LS_EFORMAT, "line 4: more entries than announced" },
		{ "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 x\n", LS_EFORMAT,
		  "line 3: expected 1 numbers" },
		{ "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1 1\n", LS_EFORMAT,
		  "line 3: more than 1 fields" },
		{ "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n", LS_EFORMAT,
		  "expected 1 integers" },
		{ "%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n1 2 1\n", LS_EFORMAT,
		  "entry (1, 2) is not below the diagonal of a symmetric matrix" },
		{ "%%MatrixMarket matrix coordinate real symmetric\n2 3 0\n", LS_EDIM,
		  "must be square, not 2×3" },
		{ "%%MatrixMarket matrix array real general\n2 2\n1\n", LS_EFORMAT,
		  "announces 4 entries but only 2 bytes follow" },
		{ "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n", LS_EFORMAT,
		  "data ends before entry (2, 2)" },
		{ "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n\n\n\n\n", LS_EFORMAT,
		  "data ends before entry (2, 2)" },
		{ "%%MatrixMarket matrix coordinate real general\n100000 100000 1\n1 1 1\n",
		  LS_ETOOBIG, "100000×100000 exceeds the limit of" },
		/* Found by fuzz_mtx (a hang): an empty array with a huge column count. */
		{ "%%MatrixMarket matrix array real general\n0 79244444444444\n", LS_ETOOBIG,
		  "0×79244444444444 exceeds the limit" },
		{ "%%MatrixMarket matrix coordinate real general\n2 2 1000\n1 1 1\n", LS_EFORMAT,
		  "announces 1000 entries" },
		{ "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1e999\n", LS_EFORMAT,
		  "expected 1 numbers" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		ls_mat M;
		ls_error err;
		ls_status s = parse(cases[c].text, &M, &err);
		if (s != cases[c].code)
			fail_msg("case %zu: %s, message \"%s\"", c, ls_strerror(s), err.msg);
		assert_contains(err.msg, cases[c].msg);
		assert_null(M.data);
	}
	ls_mat M;
	ls_error err;
	const char nul[] = "%%MatrixMarket matrix array real general\n1 1\n\0\n";
	assert_int_equal(ls_mtx_parse(nul, sizeof nul - 1, "t.mtx", &M, &err), LS_EFORMAT);
	assert_contains(err.msg, "NUL byte");
	/* An empty array with many columns is read without visiting them. */
	assert_ok(parse("%%MatrixMarket matrix array real general\n0 1000000\n", &M, NULL));
	assert_int_equal(M.rows, 0);
	ls_mat_free(&M);
}

static void test_file(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	const char *text = "%%MatrixMarket matrix coordinate real general\n2 2 1\n2 2 0.5\n";
	write_file(dir, "a.mtx", text, strlen(text), path);
	ls_mat M;
	assert_ok(ls_matrix_load(path, &M, NULL));
	expect(&M, 2, 2, (const double[]){ 0, 0, 0, 0.5 });
	ls_mat_free(&M);
	remove_dir(dir);
}

/* The memory guard: a 68-byte file announcing 20000×20000 (3.2 GB dense) is refused before
 * anything is allocated when the limit is lower, naming the file and the size. */
static void test_memory_guard(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	const char *text = "%%MatrixMarket matrix coordinate real general\n20000 20000 1\n1 1 2\n";
	write_file(dir, "big.mtx", text, strlen(text), path);
	ls_mem_set_limit((size_t)1 << 30);
	assert_int_equal(ls_mem_limit(), (size_t)1 << 30);
	ls_mat M;
	ls_error err;
	assert_int_equal(ls_matrix_load(path, &M, &err), LS_ETOOBIG);
	assert_contains(err.msg,
			"big.mtx: a 20000×20000 matrix needs 3.2 GB, more than the 1.07 GB "
			"allowed");
	assert_null(M.data);
	/* Within the limit it loads: 2 GB allows a 1000×1000. */
	ls_mem_set_limit((size_t)2 << 30);
	text = "%%MatrixMarket matrix coordinate real general\n1000 1000 1\n1 1 2\n";
	write_file(dir, "ok.mtx", text, strlen(text), path);
	assert_ok(ls_matrix_load(path, &M, NULL));
	assert_true(M.rows == 1000 && LS_AT(M, 0, 0) == 2);
	ls_mat_free(&M);
	/* The default is the memory available: positive, and never more than the address space. */
	ls_mem_set_limit(0);
	assert_true(ls_mem_limit() > 0);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_memory_guard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
