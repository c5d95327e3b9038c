#!/usr/bin/env python3
"""Build the cheat sheet(s) of this project: `python build.py --help`."""

import sys

from cheatsheet.cli import main

if __name__ == "__main__":
    sys.exit(main())
