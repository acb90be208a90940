"""Summaries of a file's own helpers, computed before the rules run (see java.py)."""
