"""The per-language readers of AI-written code: Python's AST, and line patterns for the other
languages (and for Python that does not parse). Each gives the `Hit`s of one file."""
