/* watch_ui.h — the state of the `lorascope watch DIR` screen shared by its loop
 * (watch_tui.c) and its drawing (watch_draw.c) (curses). */
#ifndef LORASCOPE_TUI_WATCH_UI_H
#define LORASCOPE_TUI_WATCH_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "ui.h"
#include "watch_feed.h"
#include "watch_view.h"

typedef struct {
	ls_ui *ui;
	ls_watch_feed *feed;
	ls_watch_snap *s; /* the state shown; NULL until the first snapshot */
	ls_watch_layout L;
	size_t ck, mod, top; /* selected checkpoint and module, first table row shown */
	bool follow;         /* select the newest checkpoint as checkpoints arrive */
	double busy_since;   /* the feed's, read once a frame (negative: idle) */
	const char *dir;
} ls_watch_screen;

/* One whole frame into stdscr (erase, panels, help overlay; no refresh). */
void ls_watch_draw(ls_watch_screen *w);

#endif
