"""The tamper evidence of an export, with nothing but the standard library, so an auditor can
check a file anywhere (`manage.py verify_evidence`, or these functions alone).

- Every audit entry carries `prev` (the hash of the entry before it, across the whole document;
  64 zeros for the first) and `sha256` = SHA-256 of `prev` and the entry's canonical JSON
  without those two fields. Editing, dropping, inserting or reordering an entry breaks the
  chain from there on.
- `digest` is SHA-256 of the canonical JSON of the whole document without `digest` and
  `signature`: every other field (findings, answers, approvals, the chain's head) is covered.
- `signature` is HMAC-SHA256 of the digest under a key only the server holds. A forger who
  edits the file and recomputes every hash still cannot produce it; checking it needs the key.

Canonical JSON: keys sorted, no whitespace, UTF-8, non-ASCII kept.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
FORMAT = "reviewbench-evidence/1"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev: str, entry: dict[str, Any]) -> str:
    body = {key: value for key, value in entry.items() if key not in ("prev", "sha256")}
    return hashlib.sha256(prev.encode() + b"\n" + canonical(body)).hexdigest()


def chain_entries(entries: Iterable[dict[str, Any]], prev: str = GENESIS) -> str:
    """Set `prev` and `sha256` on each entry, in order; returns the last hash."""
    for entry in entries:
        entry["prev"] = prev
        entry["sha256"] = prev = entry_hash(prev, entry)
    return prev


def document_digest(document: dict[str, Any]) -> str:
    body = {key: value for key, value in document.items() if key not in ("digest", "signature")}
    return hashlib.sha256(canonical(body)).hexdigest()


def signature(digest: str, key: bytes) -> str:
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


def seal(document: dict[str, Any], *, key: bytes) -> dict[str, Any]:
    """Chain the audit entries of every pull request in order, then digest and sign."""
    entries = [entry for pr in document["pull_requests"] for entry in pr["audit"]]
    head = chain_entries(entries)
    document["chain"] = {"algorithm": "sha256", "entries": len(entries), "head": head}
    document["digest"] = document_digest(document)
    document["signature"] = signature(document["digest"], key)
    return document


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    entries: int = 0
    signature: str = "not checked"  # valid | invalid | not checked

    @property
    def intact(self) -> bool:
        return not self.problems and self.signature != "invalid"


def verify(document: Any, *, key: bytes | None = None) -> Verification:
    """Every problem found, in document order; `key` also checks the server's signature."""
    result = Verification()
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        result.problems.append(f"not a ReviewBench evidence file (format {FORMAT!r} expected)")
        return result
    pull_requests = document.get("pull_requests")
    if not isinstance(pull_requests, list):
        result.problems.append("pull_requests is missing")
        return result
    prev = GENESIS
    for p, pull_request in enumerate(pull_requests):
        audit = pull_request.get("audit") if isinstance(pull_request, dict) else None
        if not isinstance(audit, list):
            result.problems.append(f"pull_requests[{p}].audit is missing")
            continue
        for e, entry in enumerate(audit):
            where = f"pull_requests[{p}].audit[{e}]"
            if not isinstance(entry, dict):
                result.problems.append(f"{where} is not an entry")
                continue
            result.entries += 1
            if entry.get("prev") != prev:
                result.problems.append(f"{where}: the chain is broken before it (prev differs)")
            expected = entry_hash(entry.get("prev", ""), entry)
            if entry.get("sha256") != expected:
                result.problems.append(f"{where}: the entry was edited (sha256 differs)")
            prev = str(entry.get("sha256", ""))
    chain = document.get("chain") or {}
    if chain.get("head") != prev or chain.get("entries") != result.entries:
        result.problems.append("chain: the head or the entry count does not match the entries")
    if document.get("digest") != document_digest(document):
        result.problems.append("digest: the document was edited after it was exported")
    if key is not None:
        given = str(document.get("signature", ""))
        expected_signature = signature(str(document.get("digest", "")), key)
        ok = hmac.compare_digest(given, expected_signature)
        result.signature = "valid" if ok else "invalid"
    return result
