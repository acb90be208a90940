"""The classes of flaw ReviewBench names (docs/CORPUS.md) and the CWEs each one covers.

Kept apart from the corpus evaluation so that light readers (the secure-prompt guidance, the web
pages) can name a finding's class without importing the scanners.
"""

from __future__ import annotations

CLASS_CWES: dict[str, frozenset[int]] = {
    "sqli": frozenset({89}),
    "path-traversal": frozenset({22, 23, 36}),
    "command-injection": frozenset({78, 77, 88, 94, 95}),
    "input-validation": frozenset({20, 129, 704}),
    "deserialization": frozenset({502}),
    "redos": frozenset({1333, 400}),
    "error-disclosure": frozenset({209, 215}),
    "weak-crypto": frozenset({327, 328, 916, 326, 330, 338}),
    # CRLF in a response header (113) splits the response: the attacker writes the page.
    "xss": frozenset({79, 80, 113}),
    "hardcoded-credentials": frozenset({798, 259}),
    "cookie-flags": frozenset({614, 1004, 1275}),
    "unbounded-upload": frozenset({434, 770}),
    "timing-compare": frozenset({208}),
    "tls-verification": frozenset({295}),
    "ssrf": frozenset({918}),
    "open-redirect": frozenset({601}),
    "xxe": frozenset({611}),
    "log-injection": frozenset({117}),
    "file-permissions": frozenset({732}),
    "xpath-injection": frozenset({643}),
    "ldap-injection": frozenset({90}),
    "trust-boundary": frozenset({501}),
}


def class_of_cwe(cwe: int | None) -> str | None:
    """The corpus class a CWE belongs to, or None."""
    for name, cwes in CLASS_CWES.items():
        if cwe in cwes:
            return name
    return None
