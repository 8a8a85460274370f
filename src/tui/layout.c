/* layout.c — terminal size → panel rectangles (pure; see layout.h).
 *
 * Row 0 is the header, the last row the message bar. The right column holds the
 * verdict panel above the status panel; the left area holds the loss plot on top
 * and the spectrum and ratio plots below it, side by side when wide enough; a lesson's
 * caption strip goes between them (ls_layout_caption). */
#include "layout.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const panel_names[] = {
#define LS_PANEL_NAME(id, name) name,
	LS_PANEL_LIST(LS_PANEL_NAME)
#undef LS_PANEL_NAME
};

const char *ls_panel_name(ls_panel_id id)
{
	return (id >= 0 && id < LS_PANEL_COUNT) ? panel_names[id] : "?";
}

static ls_rect rect(int y, int x, int h, int w)
{
	ls_rect r = { y, x, h, w };
	return r;
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void ls_layout_compute(int cols, int lines, ls_layout *out)
{
	memset(out, 0, sizeof(*out));
	out->cols = cols;
	out->lines = lines;
	out->need_w = LS_LAYOUT_MIN_W;
	out->need_h = LS_LAYOUT_MIN_H;
	if (cols < LS_LAYOUT_MIN_W || lines < LS_LAYOUT_MIN_H) {
		out->too_small = 1;
		return;
	}
	int body_y = 1, body_h = lines - 2;
	/* Right column: about a quarter of the width, kept readable. */
	int side_w = clampi(cols / 4, LS_SIDE_MIN_W + 4, 46);
	if (cols - side_w < LS_PLOT_MIN_W + 10)
		side_w = LS_SIDE_MIN_W;
	int left_w = cols - side_w;
	int verdict_h = body_h >= 40 ? LS_VERDICT_H + 2 : LS_VERDICT_H;

	out->r[LS_PANEL_HEADER] = rect(0, 0, 1, cols);
	out->r[LS_PANEL_MESSAGE] = rect(lines - 1, 0, 1, cols);
	out->r[LS_PANEL_VERDICT] = rect(body_y, left_w, verdict_h, side_w);
	out->r[LS_PANEL_STATUS] = rect(body_y + verdict_h, left_w, body_h - verdict_h, side_w);

	/* Left area: loss on top; spectrum and ratio side by side when each gets a
	 * usable width, stacked otherwise. */
	if (left_w >= 2 * LS_PLOT_MIN_W + 8) {
		int loss_h = body_h / 2;
		int bot_h = body_h - loss_h;
		int spec_w = left_w / 2;
		out->r[LS_PANEL_LOSS] = rect(body_y, 0, loss_h, left_w);
		out->r[LS_PANEL_SPECTRUM] = rect(body_y + loss_h, 0, bot_h, spec_w);
		out->r[LS_PANEL_RATIO] = rect(body_y + loss_h, spec_w, bot_h, left_w - spec_w);
	} else {
		int third = body_h / 3;
		int loss_h = body_h - 2 * third;
		out->r[LS_PANEL_LOSS] = rect(body_y, 0, loss_h, left_w);
		out->r[LS_PANEL_SPECTRUM] = rect(body_y + loss_h, 0, third, left_w);
		out->r[LS_PANEL_RATIO] = rect(body_y + loss_h + third, 0, third, left_w);
	}
}

void ls_layout_caption(ls_layout *L, const char *text, int extra)
{
	if (L->too_small)
		return;
	ls_rect loss = L->r[LS_PANEL_LOSS], spec = L->r[LS_PANEL_SPECTRUM];
	ls_rect ratio = L->r[LS_PANEL_RATIO];
	bool side = spec.y == ratio.y;
	int body_y = loss.y, body_h = L->lines - 2, left_w = loss.w;
	int strip_h = ls_text_lines(text, left_w - LS_CAPTION_PAD) + extra + 2;
	if (strip_h > body_h - LS_PLOT_MIN_H)
		strip_h = body_h - LS_PLOT_MIN_H;
	int avail = body_h - strip_h; /* rows for the plots */
	/* How many plots go below the strip, and their height each. */
	int below = 0, each = 0;
	if (side && avail >= 2 * LS_PLOT_MIN_H) {
		below = 2;
		each = avail / 2;
	} else if (!side && avail >= 3 * LS_PLOT_MIN_H) {
		below = 2;
		each = avail / 3;
	} else if (!side && avail >= 2 * LS_PLOT_MIN_H) {
		below = 1;
		each = avail / 2;
	}
	int bot_h = side ? (below ? each : 0) : below * each;
	int loss_h = avail - bot_h;
	L->r[LS_PANEL_LOSS] = rect(body_y, 0, loss_h, left_w);
	L->caption = rect(body_y + loss_h, 0, strip_h, left_w);
	int y = body_y + loss_h + strip_h;
	memset(&L->r[LS_PANEL_SPECTRUM], 0, sizeof(ls_rect));
	memset(&L->r[LS_PANEL_RATIO], 0, sizeof(ls_rect));
	if (below == 2 && side) {
		L->r[LS_PANEL_SPECTRUM] = rect(y, 0, each, spec.w);
		L->r[LS_PANEL_RATIO] = rect(y, spec.w, each, left_w - spec.w);
	} else if (below >= 1) {
		L->r[LS_PANEL_SPECTRUM] = rect(y, 0, each, left_w);
		if (below == 2)
			L->r[LS_PANEL_RATIO] = rect(y + each, 0, each, left_w);
	}
}

/* Bytes of the UTF-8 sequence starting with byte c. */
static size_t seq_len(unsigned char c)
{
	return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* Columns of the code point at s (0 for a combining mark U+0300–U+036F). */
static int cp_cols(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] == 0xCC || (u[0] == 0xCD && u[1] < 0xB0))
		return 0;
	return 1;
}

int ls_text_cols(const char *s)
{
	int cols = 0;
	for (size_t i = 0; s[i];) {
		cols += cp_cols(s + i);
		size_t l = seq_len((unsigned char)s[i]);
		while (l > 1 && !s[i + l - 1])
			l--;
		i += l;
	}
	return cols;
}

int ls_text_tail(const char *s, int cols, char *out, size_t cap)
{
	if (!cap)
		return 0;
	out[0] = '\0';
	int all = ls_text_cols(s);
	const char *from = s;
	if (all > cols) {
		if (cols < 1)
			return 0;
		/* Skip code points until the rest takes cols − 1 columns. */
		for (int skip = all - (cols - 1); *from && skip > 0;) {
			skip -= cp_cols(from);
			from += seq_len((unsigned char)*from);
			while (*from && cp_cols(from) == 0)
				from += seq_len((unsigned char)*from);
		}
		snprintf(out, cap, "\u2026");
	}
	size_t used = strlen(out), len = strlen(from);
	if (used + len >= cap)
		len = cap - used - 1;
	while (len && (from[len] & 0xC0) == 0x80) /* never end inside a code point */
		len--;
	memcpy(out + used, from, len);
	out[used + len] = '\0';
	return ls_text_cols(out);
}

int ls_text_pick(const char *const *variants, int n, int cols)
{
	for (int i = 0; i < n; i++)
		if (ls_text_cols(variants[i]) <= cols)
			return i;
	return -1;
}

size_t ls_text_wrap(const char *s, int cols, const char **next)
{
	size_t i = 0, brk = 0;
	int used = 0;
	bool have_brk = false;
	while (s[i] && s[i] != '\n') {
		int w = cp_cols(s + i);
		if (used + w > cols && w > 0)
			break;
		if (s[i] == ' ') {
			brk = i;
			have_brk = true;
		}
		used += w;
		i += seq_len((unsigned char)s[i]);
	}
	size_t end = i;
	if (s[i] && s[i] != '\n' && s[i] != ' ' && have_brk && brk > 0)
		end = brk;
	if (end == 0 && s[0] && s[0] != '\n') /* cols < 1: one code point, to go on */
		end = seq_len((unsigned char)s[0]);
	const char *r = s + end;
	if (*r == '\n')
		r++;
	else
		while (*r == ' ')
			r++;
	*next = r;
	/* The line without its trailing spaces. */
	while (end > 0 && s[end - 1] == ' ')
		end--;
	return end;
}

int ls_text_lines(const char *s, int cols)
{
	int n = 0;
	while (*s) {
		ls_text_wrap(s, cols, &s);
		n++;
	}
	return n;
}

void ls_layout_zoom(ls_layout *L, ls_panel_id p)
{
	if (L->too_small)
		return;
	const ls_rect *hd = &L->r[LS_PANEL_HEADER], *msg = &L->r[LS_PANEL_MESSAGE];
	ls_rect body = { hd->y + hd->h, 0, msg->y - (hd->y + hd->h), L->cols };
	for (int i = 0; i < LS_PANEL_COUNT; i++)
		if (i != LS_PANEL_HEADER && i != LS_PANEL_MESSAGE)
			L->r[i] = i == (int)p ? body : (ls_rect){ 0, 0, 0, 0 };
	L->caption = (ls_rect){ 0, 0, 0, 0 };
}
