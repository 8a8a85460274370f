/* test_watch_feed.c — the watch screen's refresh thread: a first snapshot arrives through
 * its descriptor, a new checkpoint directory (pending while empty) brings another, stopping
 * joins the thread, and a directory that cannot be opened is a failure that ends it. */
#include "testutil.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/tui/watch_feed.h"

/* Wait (at most 10 s) for something from the feed; take it. */
static ls_watch_snap *wait_take(ls_watch_feed *f, bool *failed, bool *fatal, ls_error *e)
{
	for (int i = 0; i < 100; i++) {
		struct pollfd pf = { ls_watch_feed_fd(f), POLLIN, 0 };
		if (poll(&pf, 1, 100) > 0) {
			ls_watch_snap *s = ls_watch_feed_take(f, failed, fatal, e);
			if (s || *failed)
				return s;
		}
	}
	fail_msg("nothing from the feed in 10 s");
	return NULL;
}

static void test_snapshots(void **state)
{
	(void)state;
	char dir[] = "/tmp/ls-watch-feed-XXXXXX";
	assert_non_null(mkdtemp(dir));
	ls_watch_opts o = { .poll = true, .interval = 0.1 };
	ls_watch_feed *f;
	ls_error e;
	assert_ok(ls_watch_feed_start(&f, dir, &o, &e));
	bool failed = false, fatal = false;
	ls_watch_snap *s = wait_take(f, &failed, &fatal, &e);
	assert_false(failed);
	assert_non_null(s);
	assert_int_equal(s->nckpt, 0);
	assert_int_equal(s->npending, 0);
	assert_non_null(s->poll_reason); /* polling was asked for */
	assert_true(s->changed_at <= ls_watch_feed_now());
	unsigned long first = s->seq;
	ls_watch_snap_free(s);
	/* An empty checkpoint-N directory: pending, in a new snapshot. */
	char ck[64];
	snprintf(ck, sizeof ck, "%s/checkpoint-5", dir);
	assert_int_equal(mkdir(ck, 0755), 0);
	s = wait_take(f, &failed, &fatal, &e);
	assert_false(failed);
	assert_non_null(s);
	assert_true(s->seq > first);
	assert_int_equal(s->nckpt, 0);
	assert_int_equal(s->npending, 1);
	assert_non_null(strstr(s->pending[0], "checkpoint-5"));
	assert_true(strlen(s->pending_why[0]) > 0);
	ls_watch_snap_free(s);
	ls_watch_feed_stop(f);
	rmdir(ck);
	rmdir(dir);
}

static void test_missing_dir_is_fatal(void **state)
{
	(void)state;
	ls_watch_opts o = { .poll = true, .interval = 0.1 };
	ls_watch_feed *f;
	ls_error e;
	assert_ok(ls_watch_feed_start(&f, "/nonexistent/lorascope-watch", &o, &e));
	bool failed = false, fatal = false;
	ls_watch_snap *s = wait_take(f, &failed, &fatal, &e);
	assert_null(s);
	assert_true(failed);
	assert_true(fatal);
	assert_non_null(strstr(e.msg, "lorascope-watch"));
	ls_watch_feed_stop(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshots),
		cmocka_unit_test(test_missing_dir_is_fatal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
