"""The scan cache backed by the `ScanCache` table: a push that changes one file rescans one file.

One query reads a scanner's rows for every file of the PR, one bulk insert writes the new ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from findings.models import ScanCache

_MAX_KEY_CHARS = 64
_BATCH = 500  # keys per query: well under every database's limit on bound parameters


class DatabaseScanCache:
    """`ScanCacheProtocol` over the ScanCache model; keys are content-addressed, so rows never
    go stale and concurrent writers can only write the same value."""

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0

    def get_many(
        self, scanner_id: str, version: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[dict[str, Any]]]:
        wanted = sorted({key for key in keys if len(key[0]) <= _MAX_KEY_CHARS})
        found: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start : start + _BATCH]
            batch_keys = set(batch)
            languages = {language for _, language in batch}
            rows = ScanCache.objects.filter(
                scanner_id=scanner_id,
                scanner_version=version,
                blob_sha__in=[sha for sha, _ in batch],
                language__in=languages,
            ).values_list("blob_sha", "language", "results")
            for blob_sha, language, results in rows:
                if (blob_sha, language) in batch_keys:
                    found[(blob_sha, language)] = list(results)
        self.hits += len(found)
        self.misses += len(wanted) - len(found)
        return found

    def put_many(
        self,
        scanner_id: str,
        version: str,
        rows: Sequence[tuple[str, str, list[dict[str, Any]]]],
    ) -> None:
        ScanCache.objects.bulk_create(
            [
                ScanCache(
                    scanner_id=scanner_id,
                    scanner_version=version,
                    blob_sha=blob_sha,
                    language=language,
                    results=results,
                )
                for blob_sha, language, results in rows
                if len(blob_sha) <= _MAX_KEY_CHARS
            ],
            batch_size=_BATCH,
            ignore_conflicts=True,
        )
