/* test_csv.c — CSV/TSV matrices: delimiters, headers, comments, CRLF, ragged lines refused
 * with the line number, locale independence, and write-then-read bit for bit. */
#include <locale.h>

#include "iotest.h"

#include "lorascope/csvmat.h"
#include "lorascope/fileio.h"
#include "lorascope/npy.h"

static void test_parse(void **state)
{
	(void)state;
	ls_mat M;
	const char *t = "# made by hand\nx, y ,z\n1, 2.5, -3e2\n\n4,nan,inf\r\n";
	assert_ok(ls_csv_parse(t, strlen(t), 0, "t.csv", &M, NULL));
	assert_int_equal(M.rows, 2);
	assert_int_equal(M.cols, 3);
	assert_true(LS_AT(M, 0, 1) == 2.5 && LS_AT(M, 0, 2) == -300 && LS_AT(M, 1, 0) == 4);
	assert_true(isnan(LS_AT(M, 1, 1)) && isinf(LS_AT(M, 1, 2)));
	ls_mat_free(&M);
	t = "1\t2\n3\t4";
	assert_ok(ls_csv_parse(t, strlen(t), 0, "t.tsv", &M, NULL));
	assert_true(M.rows == 2 && M.cols == 2 && LS_AT(M, 1, 0) == 3 && LS_AT(M, 1, 1) == 4);
	ls_mat_free(&M);
	t = "5\n6\n7\n"; /* one column */
	assert_ok(ls_csv_parse(t, strlen(t), ',', "t.csv", &M, NULL));
	assert_true(M.rows == 3 && M.cols == 1 && LS_AT(M, 2, 0) == 7);
	ls_mat_free(&M);
}

static void test_bad(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		char delim;
		ls_status code;
		const char *msg;
	} cases[] = {
		{ "1,2\n3\n", ',', LS_EDIM, "t.csv: line 2 has 1 fields, expected 2" },
		{ "1,2\n3,x\n", ',', LS_EFORMAT, "t.csv: line 2, field 2: not a number" },
		{ "1,2,3\n1,,2\n", ',', LS_EFORMAT, "line 2, field 2: not a number" },
		{ "a,b\n", ',', LS_EFORMAT, "no numeric rows" },
		{ "", 0, LS_EFORMAT, "no numeric rows" },
		{ "1\t2\n", '|', LS_EINVAL, "delimiter must be" },
		/* A first line with a number is data: its other fields are errors, not a header. */
		{ "1,x,3\n4,5,6\n", 0, LS_EFORMAT,
		  "t.csv: line 1, field 2: not a number (fields separated by commas)" },
		{ "a;b\n1;2\n3,5;4\n", 0, LS_EFORMAT,
		  "line 3, field 1: not a number (fields separated by semicolons)" },
		{ "1 2\n3 4 5\n", 0, LS_EDIM,
		  "line 2 has 3 fields, expected 2 (separated by blanks)" },
		{ "1,2\n0x10,2\n", 0, LS_EFORMAT, "line 2, field 1: not a number" },
		{ "1,2\n1,1e\n", 0, LS_EFORMAT, "line 2, field 2: not a number" },
		{ "1,2\n1,\"2\n", 0, LS_EFORMAT, "line 2, field 2: not a number" },
		{ "1,2,\n", 0, LS_EFORMAT, "line 1, field 3: not a number" },
		{ "1,2\n1,1e999\n", ',', LS_EFORMAT, "line 2, field 2: not a number" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		ls_mat M;
		ls_error err;
		ls_status s = ls_csv_parse(cases[c].text, strlen(cases[c].text), cases[c].delim,
					   "t.csv", &M, &err);
		if (s != cases[c].code)
			fail_msg("case %zu: %s, message \"%s\"", c, ls_strerror(s), err.msg);
		assert_contains(err.msg, cases[c].msg);
		assert_null(M.data);
	}
}

static void test_round_trip(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	ls_mat M, R;
	assert_ok(ls_mat_alloc(&M, 4, 3, NULL));
	for (size_t j = 0; j < 3; j++)
		for (size_t i = 0; i < 4; i++)
			LS_AT(M, i, j) = sin((double)(i * 3 + j + 1)) *
					 pow(10, (double)i * 50 - 80);
	LS_AT(M, 2, 1) = -0.0;
	/* A locale with a decimal comma must not change the files (when it is installed). */
	const char *saved = setlocale(LC_NUMERIC, NULL);
	char keep[64];
	snprintf(keep, sizeof keep, "%s", saved ? saved : "C");
	setlocale(LC_NUMERIC, "de_DE.UTF-8");
	const char *ext[] = { "m.csv", "m.tsv" };
	for (int e = 0; e < 2; e++) {
		snprintf(path, sizeof path, "%s/%s", dir, ext[e]);
		assert_ok(ls_matrix_save(path, &M, NULL));
		assert_ok(ls_matrix_load(path, &R, NULL));
		assert_int_equal(R.rows, 4);
		assert_int_equal(R.cols, 3);
		for (size_t k = 0; k < 12; k++)
			assert_true(memcmp(&R.data[k], &M.data[k], sizeof(double)) == 0);
		ls_mat_free(&R);
		size_t len;
		unsigned char *b = slurp(path, &len);
		assert_non_null(strchr((char *)b, e ? '\t' : ','));
		free(b);
	}
	setlocale(LC_NUMERIC, keep);
	assert_int_equal(dir_entries(dir), 2);
	ls_mat_free(&M);
	remove_dir(dir);
}

/* Files as spreadsheets and other programs write them: a byte order mark, semicolons,
 * blanks, quoted numbers, a quoted header; every row kept. */
static void test_dialects(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		double want[4]; /* the 2×2 result, row by row */
	} cases[] = {
		{ "\xEF\xBB\xBF"
		  "1,2\n3,4\n",
		  { 1, 2, 3, 4 } },
		{ "\xEF\xBB\xBF"
		  "\"a\",\"b\"\n1,2\n3,4\n",
		  { 1, 2, 3, 4 } },
		{ "1;2\n3;4.5\n", { 1, 2, 3, 4.5 } },
		{ "  1   2\n3\t 4  \n", { 1, 2, 3, 4 } },
		{ "\"1\",\" 2.5 \"\n\"-3e1\",4\n", { 1, 2.5, -30, 4 } },
		{ "x y\n1 2\n.5 6.\n", { 1, 2, 0.5, 6 } },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		ls_mat M;
		ls_error err;
		if (ls_csv_parse(cases[c].text, strlen(cases[c].text), 0, "d.csv", &M, &err) !=
		    LS_OK)
			fail_msg("case %zu: %s", c, err.msg);
		assert_int_equal(M.rows, 2);
		assert_int_equal(M.cols, 2);
		for (size_t k = 0; k < 4; k++)
			if (LS_AT(M, k / 2, k % 2) != cases[c].want[k])
				fail_msg("case %zu, entry %zu: %g, want %g", c, k,
					 LS_AT(M, k / 2, k % 2), cases[c].want[k]);
		ls_mat_free(&M);
	}
}

/* ls_matrix_load refuses what no problem can train on, naming the file and the position. */
static void test_load_refuses(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	static const struct {
		const char *name, *text, *msg;
	} cases[] = {
		{ "nan.csv", "1,2\n3,nan\n",
		  "nan.csv: row 2, column 2: nan is not a finite number" },
		{ "inf.tsv", "1\t-inf\n", "inf.tsv: row 1, column 2: -inf is not a finite number" },
		{ "big.csv", "1,2\n1e200,4\n", "big.csv: row 2, column 1: 1e+200 is too large" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		write_file(dir, cases[c].name, cases[c].text, strlen(cases[c].text), path);
		ls_mat M;
		ls_error err;
		assert_int_equal(ls_matrix_load(path, &M, &err), LS_EFORMAT);
		assert_contains(err.msg, cases[c].msg);
		assert_null(M.data);
	}
	/* The same check on a binary format: a NaN in a .npy. */
	ls_mat X;
	assert_ok(ls_mat_alloc(&X, 3, 2, NULL));
	for (size_t k = 0; k < 6; k++)
		X.data[k] = (double)k;
	LS_AT(X, 2, 1) = NAN;
	snprintf(path, sizeof path, "%s/x.npy", dir);
	assert_ok(ls_npy_save(path, &X, NULL));
	ls_mat M;
	ls_error err;
	assert_int_equal(ls_matrix_load(path, &M, &err), LS_EFORMAT);
	assert_contains(err.msg, "x.npy: row 3, column 2: nan is not a finite number");
	ls_mat_free(&X);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),        cmocka_unit_test(test_bad),
		cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_dialects),
		cmocka_unit_test(test_load_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
