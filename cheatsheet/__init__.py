"""Turn Markdown notes into a compact, printable multi-column cheat sheet (PDF)."""

__version__ = "0.1.0"
