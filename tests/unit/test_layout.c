/* test_layout.c — properties of the TUI layout across terminal sizes (nvtop-style):
 * every panel inside the screen, no two overlapping, plots and side panels at least
 * their minimum size, the too-small threshold exact, and the whole body covered. */
#include "testutil.h"

#include "../../src/tui/layout.h"

static int overlap(ls_rect a, ls_rect b)
{
	return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static void check_size(int w, int h)
{
	ls_layout L;
	ls_layout_compute(w, h, &L);
	assert_int_equal(L.too_small, 0);
	assert_int_equal(L.cols, w);
	assert_int_equal(L.lines, h);
	long area = 0;
	for (int i = 0; i < LS_PANEL_COUNT; i++) {
		ls_rect r = L.r[i];
		if (r.x < 0 || r.y < 0 || r.w <= 0 || r.h <= 0 || r.x + r.w > w || r.y + r.h > h)
			fail_msg("%dx%d: panel %s at %d,%d size %dx%d leaves the screen", w, h,
				 ls_panel_name((ls_panel_id)i), r.x, r.y, r.w, r.h);
		area += (long)r.w * r.h;
		for (int j = 0; j < i; j++)
			if (overlap(r, L.r[j]))
				fail_msg("%dx%d: %s overlaps %s", w, h,
					 ls_panel_name((ls_panel_id)i),
					 ls_panel_name((ls_panel_id)j));
	}
	/* The panels tile the screen exactly. */
	assert_int_equal(area, (long)w * h);
	int plots[] = { LS_PANEL_LOSS, LS_PANEL_SPECTRUM, LS_PANEL_RATIO };
	for (int k = 0; k < 3; k++) {
		ls_rect r = L.r[plots[k]];
		if (r.w < LS_PLOT_MIN_W || r.h < LS_PLOT_MIN_H)
			fail_msg("%dx%d: plot %s is only %dx%d", w, h,
				 ls_panel_name((ls_panel_id)plots[k]), r.w, r.h);
	}
	assert_true(L.r[LS_PANEL_VERDICT].w >= LS_SIDE_MIN_W);
	assert_true(L.r[LS_PANEL_VERDICT].h >= LS_VERDICT_H);
	assert_true(L.r[LS_PANEL_STATUS].h >= LS_STATUS_MIN_H);
	/* Header on top, message bar at the bottom, one line each, full width. */
	assert_int_equal(L.r[LS_PANEL_HEADER].y, 0);
	assert_int_equal(L.r[LS_PANEL_HEADER].w, w);
	assert_int_equal(L.r[LS_PANEL_MESSAGE].y, h - 1);
	assert_int_equal(L.r[LS_PANEL_MESSAGE].h, 1);
	assert_int_equal(L.r[LS_PANEL_MESSAGE].w, w);
}

static void test_sizes_80x24_to_250x70(void **state)
{
	(void)state;
	for (int w = 80; w <= 250; w++)
		for (int h = 24; h <= 70; h++)
			check_size(w, h);
}

static void test_minimum_is_the_threshold(void **state)
{
	(void)state;
	check_size(LS_LAYOUT_MIN_W, LS_LAYOUT_MIN_H);
	for (int w = LS_LAYOUT_MIN_W; w < 80; w++)
		for (int h = LS_LAYOUT_MIN_H; h < 30; h++)
			check_size(w, h);
	int small[][2] = { { LS_LAYOUT_MIN_W - 1, LS_LAYOUT_MIN_H },
			   { LS_LAYOUT_MIN_W, LS_LAYOUT_MIN_H - 1 },
			   { 40, 12 },
			   { 0, 0 },
			   { 1, 200 },
			   { 300, 5 } };
	for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
		ls_layout L;
		ls_layout_compute(small[i][0], small[i][1], &L);
		assert_int_equal(L.too_small, 1);
		assert_int_equal(L.need_w, LS_LAYOUT_MIN_W);
		assert_int_equal(L.need_h, LS_LAYOUT_MIN_H);
		for (int p = 0; p < LS_PANEL_COUNT; p++)
			assert_int_equal(L.r[p].w * L.r[p].h, 0);
	}
}

static void test_wide_puts_plots_side_by_side(void **state)
{
	(void)state;
	ls_layout L;
	ls_layout_compute(200, 50, &L);
	assert_int_equal(L.r[LS_PANEL_SPECTRUM].y, L.r[LS_PANEL_RATIO].y);
	assert_true(L.r[LS_PANEL_SPECTRUM].x < L.r[LS_PANEL_RATIO].x);
	ls_layout_compute(70, 30, &L);
	assert_true(L.r[LS_PANEL_SPECTRUM].y < L.r[LS_PANEL_RATIO].y);
}

/* A caption strip (ls_layout_caption): the panels and the strip still tile the screen with
 * no overlap, the strip lies in the left area right below the loss plot, the loss plot and
 * every plot kept are at least their minimum size, and a caption of up to 330 characters
 * (the longest shipped is about 280) fits whole with its pause line from 80x24 up. */
static void test_caption_strip(void **state)
{
	(void)state;
	char text[400];
	for (int len = 0; len <= 330; len += 30) {
		for (int i = 0; i < len; i++)
			text[i] = i % 7 == 6 ? ' ' : i == 100 ? '\n' : 'x';
		text[len] = '\0';
		for (int w = LS_LAYOUT_MIN_W; w <= 200; w += 3)
			for (int h = LS_LAYOUT_MIN_H; h <= 60; h += 2) {
				ls_layout L;
				ls_layout_compute(w, h, &L);
				ls_rect left = L.r[LS_PANEL_LOSS];
				ls_layout_caption(&L, text, 1);
				ls_rect c = L.caption, loss = L.r[LS_PANEL_LOSS];
				long area = (long)c.w * c.h;
				for (int p = 0; p < LS_PANEL_COUNT; p++) {
					ls_rect r = L.r[p];
					area += (long)r.w * r.h;
					if (r.w > 0 && r.h > 0 && overlap(r, c))
						fail_msg("%dx%d: %s overlaps the caption", w, h,
							 ls_panel_name((ls_panel_id)p));
					if (p == LS_PANEL_LOSS ||
					    ((p == LS_PANEL_SPECTRUM || p == LS_PANEL_RATIO) &&
					     r.h))
						assert_true(r.h >= LS_PLOT_MIN_H &&
							    r.w >= LS_PLOT_MIN_W);
				}
				assert_int_equal(area, (long)w * h);
				assert_int_equal(c.x, left.x);
				assert_int_equal(c.w, left.w);
				assert_int_equal(c.y, loss.y + loss.h);
				int need = ls_text_lines(text, c.w - LS_CAPTION_PAD) + 1 + 2;
				if (w >= 80 && h >= 24 && c.h < need)
					fail_msg("%dx%d: a %d-character caption needs %d rows, has "
						 "%d",
						 w, h, len, need, c.h);
			}
	}
}

static void test_text_cols(void **state)
{
	(void)state;
	assert_int_equal(ls_text_cols(""), 0);
	assert_int_equal(ls_text_cols("loss (log)"), 10);
	assert_int_equal(ls_text_cols("σ(X*) ━"), 7);
	/* α̂ is α and a combining circumflex: one column. */
	assert_int_equal(ls_text_cols("\u03b1\u0302 0.5"), 5);
}

/* A path too long for its place keeps its end (the file name) behind "…", within cols; one
 * that fits is unchanged; multi-byte code points are never split. */
static void test_text_tail(void **state)
{
	(void)state;
	char out[64];
	const char *p = "../../tests/data/peft-distilbert-imdb";
	assert_int_equal(ls_text_tail(p, 80, out, sizeof out), ls_text_cols(p));
	assert_string_equal(out, p);
	assert_int_equal(ls_text_tail(p, 12, out, sizeof out), 12);
	assert_string_equal(out, "\u2026ilbert-imdb");
	assert_int_equal(ls_text_tail("ab\u03c3\u03c3", 3, out, sizeof out), 3);
	assert_string_equal(out, "\u2026\u03c3\u03c3");
	for (int cols = 2; cols < 40; cols++) {
		int got = ls_text_tail(p, cols, out, sizeof out);
		assert_true(got <= cols);
		assert_int_equal(got, ls_text_cols(out));
		assert_int_equal(out[strlen(out) - 1], 'b');
	}
	assert_int_equal(ls_text_tail(p, 0, out, sizeof out), 0);
	assert_string_equal(out, "");
}

/* The title "σ(X) r=8 rank 4 · σ(X*) r*=4 · ─ σ(tar": a narrower panel takes a
 * shorter variant, whole; none fits: -1, never a cut one. */
static void test_text_pick(void **state)
{
	(void)state;
	const char *v[] = { "σ(X) r=8 rank 4 · σ(X*) r*=4 · ─ σ(target)", "σ(X) rank 4/8 · X* r*=4",
			    "rank 4/8" };
	int full = ls_text_cols(v[0]);
	for (int cols = 0; cols < 60; cols++) {
		int k = ls_text_pick(v, 3, cols);
		if (cols >= full)
			assert_int_equal(k, 0);
		else if (cols >= ls_text_cols(v[1]))
			assert_int_equal(k, 1);
		else if (cols >= 8)
			assert_int_equal(k, 2);
		else
			assert_int_equal(k, -1);
		if (k >= 0)
			assert_true(ls_text_cols(v[k]) <= cols);
	}
}

/* Wrapping never cuts a word that fits on a line, keeps every word, and each line fits. */
static void test_text_wrap(void **state)
{
	(void)state;
	const char *s = "perturb A and B to leave a saddle (a longer description wraps "
			"at spaces) σ-words count as one column each";
	for (int cols = 12; cols <= 80; cols++) {
		char out[400] = "";
		const char *p = s;
		int lines = 0;
		while (*p) {
			const char *next;
			size_t len = ls_text_wrap(p, cols, &next);
			char line[200];
			memcpy(line, p, len);
			line[len] = '\0';
			assert_true(ls_text_cols(line) <= cols);
			/* Cut only where the next character is a space (or the end). */
			assert_true(p[len] == '\0' || p[len] == ' ');
			if (out[0])
				strcat(out, " ");
			strcat(out, line);
			p = next;
			assert_true(++lines < 100);
		}
		assert_string_equal(out, s);
	}
	const char *next;
	assert_int_equal(ls_text_wrap("ab\ncd", 10, &next), 2);
	assert_string_equal(next, "cd");
	/* A word longer than the line is cut at the width. */
	assert_int_equal(ls_text_wrap("abcdefgh ij", 4, &next), 4);
	assert_string_equal(next, "efgh ij");
}

/* Zoom: the chosen panel takes the whole body between header and message line, at every
 * size; the others are empty; header and message stay. */
static void test_zoom(void **state)
{
	(void)state;
	const ls_panel_id zoomable[] = { LS_PANEL_LOSS, LS_PANEL_SPECTRUM, LS_PANEL_RATIO,
					 LS_PANEL_VERDICT, LS_PANEL_STATUS };
	for (int cols = 80; cols <= 250; cols += 17)
		for (int lines = 24; lines <= 70; lines += 7)
			for (size_t z = 0; z < sizeof zoomable / sizeof zoomable[0]; z++) {
				ls_layout L, Z;
				ls_layout_compute(cols, lines, &L);
				Z = L;
				ls_layout_zoom(&Z, zoomable[z]);
				const ls_rect *hd = &Z.r[LS_PANEL_HEADER],
					      *msg = &Z.r[LS_PANEL_MESSAGE];
				const ls_rect *p = &Z.r[zoomable[z]];
				assert_int_equal(p->x, 0);
				assert_int_equal(p->w, cols);
				assert_int_equal(p->y, hd->y + hd->h);
				assert_int_equal(p->y + p->h, msg->y);
				assert_true(p->h >= L.r[zoomable[z]].h);
				assert_memory_equal(hd, &L.r[LS_PANEL_HEADER], sizeof *hd);
				assert_memory_equal(msg, &L.r[LS_PANEL_MESSAGE], sizeof *msg);
				for (int i = 0; i < LS_PANEL_COUNT; i++)
					if (i != LS_PANEL_HEADER && i != LS_PANEL_MESSAGE &&
					    i != (int)zoomable[z])
						assert_int_equal(Z.r[i].h * Z.r[i].w, 0);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_cols),
		cmocka_unit_test(test_text_pick),
		cmocka_unit_test(test_text_tail),
		cmocka_unit_test(test_text_wrap),
		cmocka_unit_test(test_sizes_80x24_to_250x70),
		cmocka_unit_test(test_minimum_is_the_threshold),
		cmocka_unit_test(test_wide_puts_plots_side_by_side),
		cmocka_unit_test(test_caption_strip),
		cmocka_unit_test(test_zoom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
