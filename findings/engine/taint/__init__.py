"""ReviewBench's Python data-flow engine: tables (`rules`), the walker (`engine`), AST rules."""
