/* tui.h — entry point of the interactive front-end (`lorascope` with no subcommand). */
#ifndef LORASCOPE_TUI_TUI_H
#define LORASCOPE_TUI_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/opts.h"

#include "lorascope/watch.h"
#include "screen.h"

/* Run the TUI with argv[1..argc) as options (TUI options and any --PARAM VALUE of
 * LS_PARAM_LIST). Returns the exit status: 0 on quit, 2 on bad usage, bad input or
 * when stdin/stdout is not a terminal (with a one-line message pointing at
 * `lorascope run`), 1 on a runtime failure. */
int ls_tui_main(int argc, char **argv);
/* `lorascope replay TRACE [options]` (argv[0] is "replay"): a trace in the TUI's panels,
 * a cursor moved by the replay keys. Exit status as ls_tui_main. */
int ls_tui_replay(int argc, char **argv);
/* Browse the modules of the PEFT adapter at path (adapter.h): a module list, σ(ΔW) bars,
 * norms, ranks and flags; ascii: ASCII only; record: the --record FILE or NULL. Exit
 * status as ls_tui_main. */
int ls_tui_inspect(const char *path, bool ascii, const char *record);
/* `lorascope watch DIR` on a terminal: the run directory followed live (watch.h, with the
 * options o) — training curves, the module table at the selected checkpoint, σ(ΔW) of the
 * selected module and its path across checkpoints, the flags' rule; look: --ascii,
 * --blocks, --no-color and the key map (look->km, NULL: the defaults). Exit status: 0 on
 * quit, 2 when DIR is not a directory or there is no terminal (a line pointing at --once),
 * 1 on a runtime failure. */
int ls_tui_watch(const char *dir, const ls_watch_opts *o, const ls_screen_opts *look);
#endif
