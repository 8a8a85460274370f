#!/bin/sh
# make check: the paper_mk demo in quick mode; fails when the finding is not reproduced.
exec "$top_builddir/demos/paper_mk" --quick
