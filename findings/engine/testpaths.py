"""Which paths hold tests, fixtures, examples or docs: where a credential is most likely a sample.

Secrets scanners report a credential there at low severity (never blocking), or not at all when
the caller asks (`SecretsScanner(test_paths="ignore")`, `scan --test-secrets ignore`).
"""

from __future__ import annotations

import posixpath
import re

_DIRECTORIES = frozenset(
    {
        "test", "tests", "testing", "__tests__", "spec", "specs", "testdata", "test_data",
        "fixtures", "fixture", "__fixtures__", "mocks", "__mocks__", "examples", "example",
        "samples", "sample", "demo", "demos", "docs", "doc", "documentation",
    }
)  # fmt: skip
_FILES = re.compile(
    r"^(test_.*\.py|.*_test\.py|conftest\.py|.*_test\.go|.*\.(test|spec)\.[cm]?[jt]sx?"
    r"|.*Tests?\.(java|kt|cs)|.*IT\.java|.*_spec\.rb|.*\.example|.*\.sample"
    r"|.*\.(md|rst|adoc))$",
    re.IGNORECASE,
)


def is_test_or_example_path(path: str) -> bool:
    """True for tests/..., test_x.py, x_test.go, fixtures/, examples/, docs/, README.md ..."""
    normalized = path.replace("\\", "/").strip("/")
    parts = normalized.split("/")
    if any(part.lower() in _DIRECTORIES for part in parts[:-1]):
        return True
    return bool(_FILES.match(posixpath.basename(normalized)))
