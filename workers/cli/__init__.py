"""Command modules for `python -m workers` (one file per command)."""
