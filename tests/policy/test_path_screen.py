"""The one-expression screen in front of a tier's globs answers as the globs one by one do."""

from __future__ import annotations

import pytest

from reviewbench.policy.evaluation import first_matching, path_matches
from reviewbench.policy.schema import SENSITIVE_PATHS

PATHS = [
    "src/auth/login.py",
    "SRC/Auth/Login.PY",
    "payments/charge.py",
    "payments/sub/charge.py",
    "docs/README.md",
    ".github/workflows/ci.yml",
    "a/../auth/x.py",
    "crypto.go",
    "lib/crypto/aes.go",
    "",
    "ünïcode/auth/ß.py",
]
GLOB_SETS = [
    SENSITIVE_PATHS,
    ("payments/*.py",),
    ("payments/*.py", "**/auth/**"),
    ("**/*.md", "docs/**"),
    ("[a-z]*/crypto/*.go", "crypto.go"),
    ("no/such/**",),
]


@pytest.mark.parametrize("patterns", GLOB_SETS)
def test_screen_agrees_with_the_globs_one_by_one(patterns):
    for path in PATHS:
        expected = next((p for p in patterns if path_matches(path, p)), None)
        assert first_matching(path, tuple(patterns)) == expected, path


def test_the_screen_lets_a_match_through_and_stops_a_miss():
    assert first_matching("src/auth/login.py", ("payments/*.py", "**/auth/**")) == "**/auth/**"
    assert first_matching("src/billing/login.py", ("payments/*.py", "**/auth/**")) is None
