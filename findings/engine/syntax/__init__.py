"""Reading source code structurally: outlines of functions, their inputs and their calls, for
Python (`ast`) and JavaScript/TypeScript, Java and Go (tree-sitter); the constants a Python
function fixes (`pyconstants`), and regex literals that backtrack catastrophically (`redos`)."""
