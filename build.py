#!/usr/bin/env python3
"""Build the cheat sheet(s) of this project: `python build.py --help`."""

import sys

try:
    from cheatsheet.cli import program
except KeyboardInterrupt:  # Ctrl-C while the libraries load: nothing started, nothing to say
    sys.exit(130)

if __name__ == "__main__":
    program()
