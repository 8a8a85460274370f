/* test_framerate.c — the frame spacing of the TUI (framerate.h): the asked-for delay while
 * writes are quick; 4× the write time while output blocks (a key's frame waits too); back to
 * the delay as writes become quick again, by halves, not at once. */
#include "testutil.h"

#include "../../src/tui/framerate.h"

static void test_backoff(void **state)
{
	(void)state;
	ls_framerate f;
	ls_framerate_init(&f, 0.05);
	assert_close(ls_framerate_interval(&f), 0.05, 0, 0);
	assert_false(ls_framerate_throttled(&f));
	ls_framerate_wrote(&f, 0.001); /* a quick frame changes nothing */
	assert_close(ls_framerate_interval(&f), 0.05, 0, 0);
	assert_false(ls_framerate_throttled(&f));
	ls_framerate_wrote(&f, 0.4); /* a write blocked 0.4 s: frames 1.6 s apart */
	assert_true(ls_framerate_throttled(&f));
	assert_close(ls_framerate_interval(&f), 1.6, 1e-15, 0);
	ls_framerate_wrote(&f, 0.1); /* a shorter one does not undo it at once */
	assert_close(ls_framerate_interval(&f), 4 * 0.25, 1e-15, 0);
	/* Quick writes again: the estimate halves towards them, the delay returns. */
	int frames = 0;
	while (ls_framerate_throttled(&f) && frames < 100) {
		ls_framerate_wrote(&f, 0.0005);
		frames++;
	}
	assert_true(frames >= 3 && frames <= 10);
	assert_close(ls_framerate_interval(&f), 0.05, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
