"""Language detection by file name."""

from __future__ import annotations

import pytest

from findings.engine.languages import language_for_path


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("app/views.py", "python"),
        ("stubs/module.pyi", "python"),
        ("SRC/MAIN.PY", "python"),
        ("web/app.js", "javascript"),
        ("web/app.mjs", "javascript"),
        ("web/App.tsx", "typescript"),
        ("web/app.ts", "typescript"),
        ("src/Main.java", "java"),
        ("cmd/server/main.go", "go"),
        ("lib/task.rb", "ruby"),
        ("index.php", "php"),
        ("src/parser.c", "c"),
        ("docker/Dockerfile", "dockerfile"),
        ("dir with space/ünïcode.py", "python"),
        ("../../etc/passwd.py", "python"),
    ],
)
def test_known_extensions_map_to_their_language(path, language):
    assert language_for_path(path) == language


@pytest.mark.parametrize(
    "path", ["README.md", "logo.png", "Makefile", "", "src/", "noextension", "archive.py.orig"]
)
def test_unknown_names_have_no_language(path):
    assert language_for_path(path) is None
