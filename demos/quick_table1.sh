#!/bin/sh
# make check: the table1 demo in quick mode; fails when its trend is not reproduced (77: skipped).
exec "$top_builddir/demos/table1" --quick
