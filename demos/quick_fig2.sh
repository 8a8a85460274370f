#!/bin/sh
# make check: the fig2 demo in quick mode; fails when its trend is not reproduced (77: skipped).
exec "$top_builddir/demos/fig2" --quick
