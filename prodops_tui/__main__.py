"""`python -m prodops_tui`: the same command line as `prodops`."""

import sys

from .launch import main

sys.exit(main())
