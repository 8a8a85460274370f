/* theme.c — colour pairs and monochrome attributes by role (see theme.h). */
#include "theme.h"

#include <curses.h>

static bool colour;

const ls_curve_info ls_curves[LS_CURVE_COUNT] = {
#define LS_CURVE_ROW(id, p, k, r, mono, col, u, a) \
	[LS_CURVE_##id] = { p, k, LS_ROLE_##r, mono, col, u, a },
	LS_CURVE_LIST(LS_CURVE_ROW)
#undef LS_CURVE_ROW
};

static const struct {
	short fg;
	int attr_colour, attr_mono;
} roles[LS_ROLE_COUNT] = {
#define LS_ROLE_ROW(id, f, ac, am) [LS_ROLE_##id] = { f, ac, am },
	LS_ROLE_LIST(LS_ROLE_ROW)
#undef LS_ROLE_ROW
};

bool ls_theme_init(bool want_color)
{
	colour = false;
	if (!want_color || !has_colors())
		return false;
	if (start_color() != OK)
		return false;
	use_default_colors();
	for (int r = 1; r < LS_ROLE_COUNT && r < COLOR_PAIRS; r++)
		init_pair((short)r, roles[r].fg, -1);
	colour = true;
	return true;
}

int ls_theme_attr(ls_role role)
{
	if (role < 0 || role >= LS_ROLE_COUNT)
		return 0;
	if (!colour)
		return roles[role].attr_mono;
	return (role ? (int)COLOR_PAIR(role) : 0) | roles[role].attr_colour;
}

ls_role ls_theme_ink_role(int ink)
{
	static const ls_role by_ink[] = {
		LS_ROLE_NORMAL, LS_ROLE_LOSS, LS_ROLE_REG,   LS_ROLE_BASE,
		LS_ROLE_FLOOR,  LS_ROLE_XBAR, LS_ROLE_XSTAR, LS_ROLE_FLOW
	};
	if (ink <= 0 || ink >= (int)(sizeof by_ink / sizeof by_ink[0]))
		return LS_ROLE_NORMAL;
	return by_ink[ink];
}

ls_role ls_theme_regime_role(ls_regime g)
{
	return g == LS_REGIME_SPECIAL   ? LS_ROLE_GOOD
	       : g == LS_REGIME_GENERIC ? LS_ROLE_WARN
					: LS_ROLE_INFO;
}

ls_role ls_theme_verdict_role(ls_verdict v)
{
	return v == LS_VERDICT_GLOBAL                                     ? LS_ROLE_GOOD
	       : v == LS_VERDICT_SPURIOUS                                 ? LS_ROLE_BAD
	       : v == LS_VERDICT_SADDLE || v == LS_VERDICT_NOT_STATIONARY ? LS_ROLE_WARN
									  : LS_ROLE_INFO;
}
