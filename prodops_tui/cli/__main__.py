"""`python -m prodops_tui.cli`: the command line, as the background fold starts it (core/storage/store.py)."""

import sys

from . import main

sys.exit(main())
