#!/bin/sh
# make check: the table2 demo in quick mode; fails when its trend is not reproduced (77: skipped).
exec "$top_builddir/demos/table2" --quick
