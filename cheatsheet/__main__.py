"""`python -m cheatsheet`: the same program as the `cheatsheet` command."""

import sys

try:
    from .cli import program
except KeyboardInterrupt:  # Ctrl-C while the libraries load
    sys.exit(130)

program()
