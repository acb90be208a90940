"""The screens in front of a tier's globs (the literals they require, then one joined expression)
answer as the globs one by one do, hostile spellings included: `re` folds case for the screen
exactly as for the globs (dotless i U+0131, long s U+017F, the Kelvin sign U+212A)."""

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
    "src/b\u0131ll\u0131ng/charge.py"  # dotless i,
    "\u017fecrets/key.txt"  # long s,
    "app/\u017fettings.py",
    "\u212aeys/k8s/deploy.yaml",
    "infra/K8S/x.yaml",
    "docs/.ENV.example",
    "payments/.py",
    "x/./auth/y",
    "login",
]
GLOB_SETS = [
    SENSITIVE_PATHS,
    ("payments/*.py",),
    ("payments/*.py", "**/auth/**"),
    ("**/*.md", "docs/**"),
    ("[a-z]*/crypto/*.go", "crypto.go"),
    ("no/such/**",),
    ("**/billing*", "**/*secret*", "**/settings*.py", "**/k8s/**", "**/.env*"),
    ("src/[bc]illing/*.py", "**/auth/**"),  # a class: no literal screen, the joined one answers
    ("a/./auth/*",),
]


@pytest.mark.parametrize("patterns", GLOB_SETS)
def test_screen_agrees_with_the_globs_one_by_one(patterns):
    for path in PATHS:
        expected = next((p for p in patterns if path_matches(path, p)), None)
        assert first_matching(path, tuple(patterns)) == expected, path


def test_the_screen_lets_a_match_through_and_stops_a_miss():
    assert first_matching("src/auth/login.py", ("payments/*.py", "**/auth/**")) == "**/auth/**"
    assert first_matching("src/billing/login.py", ("payments/*.py", "**/auth/**")) is None


def test_the_literal_screen_is_used_only_where_every_glob_has_a_literal():
    from reviewbench.policy.evaluation import _literal_screen, _required_literal

    assert _required_literal("**/payment*/**") == "payment"
    assert _required_literal("**/*.tfvars") == ".tfvars"
    assert _required_literal("src/[bc]illing/*.py") is None
    assert _required_literal("**/*") is None
    assert _literal_screen(("**/auth/**", "**/*")) is None
    assert _literal_screen(SENSITIVE_PATHS) is not None
