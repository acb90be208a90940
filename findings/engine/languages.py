"""Which language a changed file is written in, decided by its name alone.

The path comes from the pull request (attacker-controlled): it is only compared against a fixed
table, never opened or used to build anything.
"""

from __future__ import annotations

import posixpath

# Extensions are compared lower-cased; the table is the single place a new language is added.
_EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescript",
    ".java": "java",
    ".go": "go",
    ".rb": "ruby",
    ".php": "php",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".cs": "csharp",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".rs": "rust",
    ".swift": "swift",
    ".scala": "scala",
    ".sh": "shell",
    ".bash": "shell",
    ".sql": "sql",
}

# Names without a telling extension.
_FILENAMES: dict[str, str] = {
    "dockerfile": "dockerfile",
    "gemfile": "ruby",
    "rakefile": "ruby",
}


# Dependency manifests are "languages" of their own: the dependency scanner reads them.
_MANIFESTS: dict[str, str] = {
    "pyproject.toml": "pyproject",
    "package.json": "npm-package",
    "go.mod": "go-module",
    "pom.xml": "maven-pom",
}


def language_for_path(path: str) -> str | None:
    """The language of `path` by its extension, or None when it is not a language we know."""
    name = posixpath.basename(path.replace("\\", "/")).lower()
    if not name:
        return None
    if name in _FILENAMES:
        return _FILENAMES[name]
    if name in _MANIFESTS:
        return _MANIFESTS[name]
    if name.startswith("requirements") and name.endswith(".txt"):
        return "pip-requirements"
    _, extension = posixpath.splitext(name)
    return _EXTENSIONS.get(extension)
