"""The local vulnerability database: OSV advisories read from a file or URL, upserted atomically,
and read back as the `VulnerabilityIndex` the dependency scanner matches against."""

from __future__ import annotations

import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from findings.engine.osv.vulndb import (
    MAX_OSV_BYTES,
    Advisory,
    OSVError,
    VulnerabilityIndex,
    advisory_from_row,
    advisory_row,
    parse_osv_bytes,
)
from findings.engine.osv.vulnindex import index_write
from findings.models import Vulnerability

logger = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 30
_CHUNK = 1024 * 1024
_LOOKUP_BATCH = 1000
_MAX_SOURCE_CHARS = 500
_COMPARED_FIELDS = ("summary", "aliases", "severity", "versions", "ranges")


@dataclass(frozen=True)
class LoadCounts:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _read_url(url: str, *, limit: int) -> bytes:
    # Only http(s) reaches here: osv_read checked the scheme.
    request = urllib.request.Request(url, headers={"User-Agent": "ReviewBench-osv-loader"})  # noqa: S310
    try:
        # The scheme was checked by the caller: only http(s) reaches urlopen.
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise OSVError(f"{url} is larger than {limit} bytes")
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise OSVError(f"{url} is larger than {limit} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        raise OSVError(f"{url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OSVError(f"{url} could not be fetched: {reason}") from None


def _read_file(path: str, *, limit: int) -> bytes:
    try:
        if os.path.getsize(path) > limit:
            raise OSVError(f"{path} is larger than {limit} bytes")
        with open(path, "rb") as handle:
            content = handle.read(limit + 1)
    except FileNotFoundError:
        raise OSVError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise OSVError(f"{path} is a directory, not an OSV file") from None
    except OSError as exc:
        raise OSVError(f"{path} could not be read: {exc.strerror}") from None
    if len(content) > limit:
        raise OSVError(f"{path} is larger than {limit} bytes")
    return content


def osv_read(location: str, *, limit: int = MAX_OSV_BYTES) -> list[Advisory]:
    """The advisories in an OSV file or http(s) URL (JSON record, JSON list or zip); OSVError."""
    scheme = urllib.parse.urlsplit(location).scheme.lower()
    if scheme in ("http", "https"):
        raw = _read_url(location, limit=limit)
    elif scheme and len(scheme) > 1:
        raise OSVError(f"{location}: only files and http(s) URLs can be loaded")
    else:
        raw = _read_file(location, limit=limit)
    return parse_osv_bytes(raw, name=location)


def _comparable(values: dict) -> tuple:
    return tuple(values[name] for name in _COMPARED_FIELDS)


@transaction.atomic
def vulnerabilities_load(*, advisories: Sequence[Advisory], source: str = "") -> LoadCounts:
    """Upsert advisories on (advisory id, ecosystem, package); loading the same data twice
    changes nothing."""
    incoming: dict[tuple[str, str, str], dict] = {}
    for advisory in advisories:
        row = advisory_row(advisory)
        # A later record for the same key wins, as a re-published advisory would.
        incoming[(row["advisory_id"], row["ecosystem"], row["package"])] = row
    existing: dict[tuple[str, str, str], dict] = {}
    ids = sorted({key[0] for key in incoming})
    for start in range(0, len(ids), _LOOKUP_BATCH):
        batch = ids[start : start + _LOOKUP_BATCH]
        for values in Vulnerability.objects.filter(advisory_id__in=batch).values(
            "advisory_id", "ecosystem", "package", *_COMPARED_FIELDS
        ):
            existing[(values["advisory_id"], values["ecosystem"], values["package"])] = values
    to_write: list[Vulnerability] = []
    created = updated = unchanged = 0
    for key, row in incoming.items():
        before = existing.get(key)
        if before is None:
            created += 1
        elif _comparable(before) == _comparable(row):
            unchanged += 1
            continue
        else:
            updated += 1
        to_write.append(Vulnerability(**row, source=source[:_MAX_SOURCE_CHARS]))
    if to_write:
        Vulnerability.objects.bulk_create(
            to_write,
            batch_size=_LOOKUP_BATCH,
            update_conflicts=True,
            unique_fields=["advisory_id", "ecosystem", "package"],
            update_fields=[*_COMPARED_FIELDS, "source", "loaded_at"],
        )
    counts = LoadCounts(created=created, updated=updated, unchanged=unchanged)
    logger.info(
        "findings.vulnerabilities.loaded",
        extra={
            "vulnerabilities_created": created,
            "vulnerabilities_updated": updated,
            "vulnerabilities_unchanged": unchanged,
        },
    )
    return counts


def _stored_advisories() -> list[Advisory]:
    rows = Vulnerability.objects.order_by("ecosystem", "package", "advisory_id").values(
        "advisory_id", "ecosystem", "package", *_COMPARED_FIELDS
    )
    return [advisory_from_row(row) for row in rows]


def vulnerability_index_load() -> VulnerabilityIndex:
    """Every stored advisory as the index the dependency scanner matches against."""
    return VulnerabilityIndex.from_advisories(_stored_advisories())


def vulnerability_index_export(*, path: Path) -> int:
    """Write every stored advisory to the index file a Django-free `scan` reads; the count."""
    advisories = _stored_advisories()
    index_write(advisories, path)
    return len(advisories)
