"""Webhook signature check: `X-Hub-Signature-256` is "sha256=" + hex HMAC-SHA256 of the raw body."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

_PREFIX = "sha256="
# GitHub sends lowercase hex; anything else (uppercase, short, padded) is not what GitHub signs.
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def signature_valid(body: bytes, header: str | None, secrets: Sequence[str]) -> bool:
    """True when `header` is GitHub's SHA-256 signature of `body` under any configured secret."""
    if not header or not secrets or not header.startswith(_PREFIX):
        return False
    digest = header[len(_PREFIX) :]
    if not _HEX_DIGEST.fullmatch(digest):
        return False
    matched = False
    # Check every secret (no early exit) so timing does not reveal which secret matched.
    for secret in secrets:
        if not secret:
            continue
        expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        matched |= hmac.compare_digest(expected, digest)
    return matched
