/* setup.h — the F2 setup form: every LS_PARAM_LIST parameter with its value, edited by
 * typing; a value is checked with ls_config_set and ls_config_check on a copy of the
 * published configuration and refused with that message, never applied, when invalid. */
#ifndef LORASCOPE_TUI_SETUP_H
#define LORASCOPE_TUI_SETUP_H

#include <stdbool.h>

#include "ui.h"
#include "worker.h"

/* Handle key (a curses key code) in the setup form. Returns true and fills *cmd when
 * a checked value is to be sent to the worker; may close the form (ui->setup). */
bool ls_setup_key(ls_ui *ui, const ls_view *v, int key, ls_cmd *cmd);

#endif
