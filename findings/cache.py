"""The scan cache backed by the `ScanCache` table: a push that changes one file rescans one file."""

from __future__ import annotations

from findings.models import ScanCache

_MAX_KEY_CHARS = 64


class DatabaseScanCache:
    """`ScanCacheProtocol` over the ScanCache model; keys are content-addressed, so rows never
    go stale and concurrent writers can only write the same value."""

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0

    def get(self, scanner_id: str, version: str, blob_sha: str, language: str) -> list[dict] | None:
        if len(blob_sha) > _MAX_KEY_CHARS:
            return None
        row = (
            ScanCache.objects.filter(
                scanner_id=scanner_id,
                scanner_version=version,
                blob_sha=blob_sha,
                language=language,
            )
            .values_list("results", flat=True)
            .first()
        )
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return list(row)

    def put(
        self, scanner_id: str, version: str, blob_sha: str, language: str, results: list[dict]
    ) -> None:
        if len(blob_sha) > _MAX_KEY_CHARS:
            return
        ScanCache.objects.bulk_create(
            [
                ScanCache(
                    scanner_id=scanner_id,
                    scanner_version=version,
                    blob_sha=blob_sha,
                    language=language,
                    results=results,
                )
            ],
            ignore_conflicts=True,
        )
