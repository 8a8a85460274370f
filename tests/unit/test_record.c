/* test_record.c — the JSON escaping of --record's output events (record.h): jansson decodes
 * every escaped string back to the bytes (valid UTF-8 kept, control bytes, quote, backslash
 * and DEL escaped), invalid UTF-8 becomes U+FFFD as Python decodes it, and a UTF-8 sequence cut at
 * the end of a read waits for the next one unless final. */
#include "testutil.h"

#include <jansson.h>
#include <string.h>

#include "../../src/tui/record.h"

/* data escaped (final), decoded by jansson: equals want (NUL-terminated). */
static void roundtrip(const char *data, size_t n, const char *want)
{
	char out[6 * 64 + 3];
	size_t used;
	assert_true(n <= 64);
	out[0] = '"';
	size_t o = ls_record_escape((const unsigned char *)data, n, 1, out + 1, &used);
	assert_int_equal(used, n);
	out[1 + o] = '"';
	json_error_t e;
	json_t *j = json_loadb(out, o + 2, JSON_DECODE_ANY, &e);
	if (!j)
		print_error("%s: %.*s\n", e.text, (int)(o + 2), out);
	assert_non_null(j);
	assert_true(json_is_string(j));
	assert_int_equal(json_string_length(j), strlen(want));
	assert_memory_equal(json_string_value(j), want, strlen(want));
	json_decref(j);
}

static void test_escapes(void **state)
{
	(void)state;
	const char ctl[] = "\x1b[1;2H\"\\\x7f\x0f\r\n\t\x08 ok";
	roundtrip(ctl, sizeof ctl - 1, ctl);
	/* Braille, box drawing, a 2-byte and a 4-byte character pass as they are. */
	const char utf[] = "\xe2\xa3\x80\xe2\x94\x80\xc3\xa9\xf0\x9f\x98\x80";
	roundtrip(utf, sizeof utf - 1, utf);
	/* Invalid: 0xFF, a lone continuation, overlong C0 80, a surrogate ED A0 80. */
	const char bad[] = "a\xff"
			   "b\x80"
			   "c\xc0\x80"
			   "d\xed\xa0\x80";
	roundtrip(bad, sizeof bad - 1,
		  "a\xef\xbf\xbd"
		  "b\xef\xbf\xbd"
		  "c\xef\xbf\xbd\xef\xbf\xbd"
		  "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* A valid start cut by a wrong byte: one U+FFFD for it (Python's decoder agrees). */
	roundtrip("x\xe2\xa3(", 4, "x\xef\xbf\xbd(");
	/* Cut at the end and final: U+FFFD. */
	roundtrip("x\xe2\xa3", 3, "x\xef\xbf\xbd");
}

static void test_split(void **state)
{
	(void)state;
	/* A braille character cut after each of its bytes: the tail waits, then completes. */
	const unsigned char s[] = "ab\xe2\xa3\x80"
				  "c";
	for (size_t cut = 3; cut <= 4; cut++) {
		char out[64];
		size_t used;
		size_t o = ls_record_escape(s, cut, 0, out, &used);
		assert_int_equal(used, 2);
		assert_int_equal(o, 2);
		assert_memory_equal(out, "ab", 2);
		o = ls_record_escape(s + used, sizeof s - 1 - used, 0, out, &used);
		assert_int_equal(used, 4);
		assert_int_equal(o, 4);
		assert_memory_equal(out,
				    "\xe2\xa3\x80"
				    "c",
				    4);
	}
	/* Invalid no matter what follows: not held back. */
	char out[64];
	size_t used;
	ls_record_escape((const unsigned char *)"\xe2\x28", 2, 0, out, &used);
	assert_int_equal(used, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
