/* framerate.h — pure: how often the TUI may draw. A frame's output normally takes well under a
 * millisecond; over a slow link (or to a reader that does not keep up) the write blocks, and
 * drawing at the usual rate would keep the program inside write() while keys wait. The frame rate
 * remembers how long recent frames took to write and spaces frames so that output takes at
 * most a quarter of the time: the frame rate backs off while writes block and recovers
 * when they are quick again. No clock and no curses here: times come in as seconds. */
#ifndef LORASCOPE_TUI_FRAMERATE_H
#define LORASCOPE_TUI_FRAMERATE_H

#include <stdbool.h>

typedef struct {
	double delay; /* the asked-for time between frames (--delay, --fps) */
	double write; /* recent write time of a frame: the last, or decaying from a slower one */
} ls_framerate;

void ls_framerate_init(ls_framerate *p, double delay);
/* A frame's output took seconds. */
void ls_framerate_wrote(ls_framerate *p, double seconds);
/* The time to leave between two frames now: delay, or 4× the recent write time if longer. */
double ls_framerate_interval(const ls_framerate *p);
/* Whether output is being throttled (frames spaced beyond delay): then even a key's frame
 * waits for its turn. */
bool ls_framerate_throttled(const ls_framerate *p);

#endif
