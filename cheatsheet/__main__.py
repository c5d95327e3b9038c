"""`python -m cheatsheet`: the same program as the `cheatsheet` command."""

import sys

from .cli import main

sys.exit(main())
