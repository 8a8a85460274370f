/* record.h — --record FILE: an asciinema v2 recording of a curses session, written as it
 * happens. Curses draws on a pseudo-terminal; a thread copies every byte it writes to the
 * real terminal and appends it to the cast as [t, "o", data] (t seconds since the start,
 * monotonic), a resize as [t, "r", "WxH"]. Each event is one write of one whole line. */
#ifndef LORASCOPE_TUI_RECORD_H
#define LORASCOPE_TUI_RECORD_H

#include <stddef.h>
#include <stdio.h>

typedef struct ls_record ls_record;

/* Open path for writing (created or truncated) and the pseudo-terminal, write the header
 * (the size of the terminal on fd 1, title) and start the copying thread; NULL with the
 * reason in why (one line) on failure. Before the screen is taken. */
ls_record *ls_record_open(const char *path, const char *title, char *why, size_t len);
/* The stream curses writes to (newterm's output: the pseudo-terminal). */
FILE *ls_record_stream(ls_record *r);
/* After curses set its modes on the pseudo-terminal: the real terminal takes the same input
 * modes and no output processing (it gets the bytes as they are recorded); SIGWINCH passes
 * the real size on, then goes to the handler curses installed. */
void ls_record_modes(ls_record *r);
/* After endwin: close the pseudo-terminal, copy what is left, end the thread, give the real
 * terminal its modes back, close the file. NULL is a no-op. */
void ls_record_close(ls_record *r);
/* Async-signal-safe: the real terminal's modes back (a fatal signal). */
void ls_record_restore_tty(void);
/* Ctrl-Z, after endwin: what curses wrote copied to the terminal (waits up to a second) and
 * the real terminal's own modes back before the process stops; after it continues, the
 * recording's again (no-ops without a recording). */
void ls_record_suspend_tty(void);
void ls_record_resume_tty(void);

/* Pure: data as the body of a JSON string (no quotes): control bytes, '"', '\\' and DEL
 * escaped, valid UTF-8 copied, invalid UTF-8 as U+FFFD (one for each maximal subpart, as
 * Python's decoder). An incomplete UTF-8 sequence at the end is left unless final (then
 * U+FFFD). out holds at least 6·n bytes; returns the
 * bytes written to out, *used the bytes of data consumed. */
size_t ls_record_escape(const unsigned char *data, size_t n, int final, char *out, size_t *used);

#endif
