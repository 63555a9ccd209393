"""Helpers used by more than one kind of study: argument parsing, table arithmetic, the process pool."""
