"""The exported vulnerability index: the stored OSV advisories as one file a command-line scan
reads without Django or a database.

`manage.py load_vulnerabilities` writes it under the data directory after every load; `scan`
reads it when the scan holds a dependency manifest. The file is gzip'd JSON of the same rows the
`Vulnerability` table holds (`advisory_row`), written to a temporary name and renamed, so a
reader never sees half a file.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from findings.engine.osv.vulndb import (
    MAX_OSV_BYTES,
    Advisory,
    OSVError,
    VulnerabilityIndex,
    advisory_from_row,
    advisory_row,
    parse_osv_bytes,
)

INDEX_FILE_NAME = "vulnerability-index.json.gz"
INDEX_FORMAT = "reviewbench-vulnerability-index/1"
# The project's own `var/`, as reviewbench.settings.DATA_DIR defaults to it.
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_directory() -> Path:
    """REVIEWBENCH_DATA_DIR, else the project's `var/` (the same rule as the Django settings)."""
    configured = os.environ.get("REVIEWBENCH_DATA_DIR", "")
    return Path(configured) if configured else _PROJECT_ROOT / "var"


def index_path(directory: Path | None = None) -> Path:
    """Where the exported index lives in `directory` (default: the data directory)."""
    return (directory or data_directory()) / INDEX_FILE_NAME


def index_write(advisories: Sequence[Advisory], path: Path) -> None:
    """Write `advisories` as the exported index at `path`, atomically."""
    document = {"format": INDEX_FORMAT, "advisories": [advisory_row(a) for a in advisories]}
    payload = gzip.compress(json.dumps(document, ensure_ascii=True).encode("ascii"), mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".vulnerability-index-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def index_read(path: Path) -> VulnerabilityIndex:
    """The index in an exported file; OSVError when it is missing, unreadable or not ours."""
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read(MAX_OSV_BYTES + 1)
    except FileNotFoundError:
        raise OSVError(f"{path} does not exist") from None
    except (OSError, EOFError) as exc:
        raise OSVError(f"{path} could not be read: {exc}") from None
    if len(raw) > MAX_OSV_BYTES:
        raise OSVError(f"{path} is larger than {MAX_OSV_BYTES} bytes")
    try:
        document: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OSVError(f"{path} is not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != INDEX_FORMAT:
        raise OSVError(f"{path} is not a ReviewBench vulnerability index")
    rows = document.get("advisories")
    if not isinstance(rows, list):
        raise OSVError(f"{path} has no advisories list")
    try:
        advisories = [advisory_from_row(row) for row in rows]
    except (KeyError, TypeError, ValueError) as exc:
        raise OSVError(f"{path} holds a malformed advisory: {exc}") from None
    return VulnerabilityIndex.from_advisories(advisories)


def osv_file_read(path: str) -> VulnerabilityIndex:
    """The index of one OSV file (a record, a JSON list or a zip as OSV publishes them)."""
    try:
        if os.path.getsize(path) > MAX_OSV_BYTES:
            raise OSVError(f"{path} is larger than {MAX_OSV_BYTES} bytes")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_OSV_BYTES + 1)
    except FileNotFoundError:
        raise OSVError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise OSVError(f"{path} is a directory, not an OSV file") from None
    except OSError as exc:
        raise OSVError(f"{path} could not be read: {exc.strerror}") from None
    return VulnerabilityIndex.from_advisories(parse_osv_bytes(raw, name=path))
