"""OSV-format advisories read into plain dataclasses, and matching a package version against them.

Pure: no ORM, no network. `findings.vulnerabilities` stores advisories and builds a
`VulnerabilityIndex` from the table; the dependency scanner only ever sees the index.

Version order follows each ecosystem: PEP 440 for PyPI (`packaging.version`), semantic versioning
for npm and Go (Go's leading `v` stripped), Maven's ordering for dotted numeric versions with
qualifiers. Names are normalised the way the ecosystem compares them (PEP 503 for PyPI).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.version import InvalidVersion, Version

ECOSYSTEMS = ("PyPI", "npm", "Go", "Maven")
# The advisories of one load, unpacked: an OSV dump of a whole ecosystem is a few hundred MB.
MAX_OSV_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 500_000
_MAX_ID_CHARS = 100
_MAX_PACKAGE_CHARS = 300
_MAX_SUMMARY_CHARS = 2000
_MAX_VERSION_CHARS = 200

# GitHub's advisory database grades in words; OSV's CVSS vectors need a calculator we do not ship,
# so an advisory without words is `high`, the conservative default.
_SEVERITY_WORDS = {
    "LOW": "low",
    "MODERATE": "medium",
    "MEDIUM": "medium",
    "HIGH": "high",
    "CRITICAL": "critical",
}
DEFAULT_SEVERITY = "high"

_PEP503 = re.compile(r"[-_.]+")
_CWE = re.compile(r"^CWE-(\d{1,5})$")


class OSVError(ValueError):
    """OSV input that cannot be read; the message says why."""


@dataclass(frozen=True)
class RangeEvent:
    kind: str  # introduced | fixed | last_affected | limit
    version: str


@dataclass(frozen=True)
class AffectedRange:
    type: str  # ECOSYSTEM | SEMVER (GIT ranges are dropped: we have versions, not commits)
    events: tuple[RangeEvent, ...]

    def as_osv(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "events": [{event.kind: event.version} for event in self.events],
        }


@dataclass(frozen=True)
class Advisory:
    """One advisory as it applies to one package of one ecosystem."""

    id: str
    ecosystem: str
    package: str  # normalised
    summary: str = ""
    aliases: tuple[str, ...] = ()
    severity: str = DEFAULT_SEVERITY
    cwe: int | None = None
    versions: tuple[str, ...] = ()
    ranges: tuple[AffectedRange, ...] = ()

    @property
    def fixed_versions(self) -> tuple[str, ...]:
        fixed = [
            event.version for rng in self.ranges for event in rng.events if event.kind == "fixed"
        ]
        return tuple(sorted(set(fixed), key=lambda v: version_key(self.ecosystem, v)))

    def fixed_after(self, version: str) -> str | None:
        """The lowest fixed version above `version`, or None when no fix is known."""
        mine = version_key(self.ecosystem, version)
        for fixed in self.fixed_versions:
            if version_key(self.ecosystem, fixed) > mine:
                return fixed
        return None

    def affects(self, version: str) -> bool:
        """Whether `version` is listed or falls inside one of the advisory's ranges."""
        return version_affected(self.ecosystem, version, versions=self.versions, ranges=self.ranges)


# --- names ---------------------------------------------------------------------------------------


def canonical_ecosystem(name: str) -> str | None:
    """OSV's spelling of an ecosystem we match, or None (e.g. `PyPI:` suffixes are dropped)."""
    base = (name or "").split(":", 1)[0].strip().lower()
    for ecosystem in ECOSYSTEMS:
        if ecosystem.lower() == base:
            return ecosystem
    return None


def normalize_package_name(ecosystem: str, name: str) -> str:
    """The name as the ecosystem compares it: PEP 503 for PyPI, lower case for npm and Maven."""
    name = (name or "").strip()
    if ecosystem == "PyPI":
        return _PEP503.sub("-", name).lower()
    if ecosystem in ("npm", "Maven"):
        return name.lower()
    return name  # Go module paths are case-sensitive


# --- versions ------------------------------------------------------------------------------------


_SEMVER = re.compile(
    r"^v?(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_MAVEN_TOKEN = re.compile(r"\d+|[A-Za-z]+")
_MAVEN_QUALIFIERS = {"alpha": 0, "a": 0, "beta": 1, "b": 1, "milestone": 2, "m": 2, "rc": 3}
_MAVEN_QUALIFIERS.update({"cr": 3, "snapshot": 4})
_MAVEN_RELEASE = frozenset({"", "ga", "final", "release"})
_MAVEN_PAD = (1,)


def _generic_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """A last-resort order for versions the ecosystem's parser rejects: numbers, then text."""
    parts = re.findall(r"\d+|[A-Za-z]+", version)
    return tuple((1, int(part), "") if part.isdigit() else (0, 0, part.lower()) for part in parts)


def _semver_key(version: str) -> tuple[Any, ...]:
    match = _SEMVER.match(version.strip())
    if match is None:
        return (0, _generic_key(version))
    release = tuple(int(match.group(name) or 0) for name in ("major", "minor", "patch"))
    pre = match.group("pre")
    if pre is None:
        # A release sorts after every pre-release of the same numbers.
        return (1, release, (1,))
    identifiers = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in pre.split(".")
    )
    return (1, release, (0, identifiers))


def _maven_key(version: str) -> tuple[tuple[Any, ...], ...]:
    items: list[tuple[Any, ...]] = []
    for token in _MAVEN_TOKEN.findall(version.strip().lower()):
        if token.isdigit():
            items.append((2, int(token)))
        elif token in _MAVEN_RELEASE:
            continue
        else:
            # 1.0-beta is 1-beta: zeros before a qualifier mean nothing either.
            while items and items[-1] == (2, 0):
                items.pop()
            if token in _MAVEN_QUALIFIERS:
                items.append((0, _MAVEN_QUALIFIERS[token]))
            elif token == "sp":  # noqa: S105 - Maven's "service pack" qualifier  # nosec B105
                items.append((3, 0, ""))
            else:
                items.append((3, 1, token))
    # 1.0 and 1.0.0 are 1: trailing zeros mean nothing.
    while items and items[-1] == (2, 0):
        items.pop()
    return tuple(items)


def _pep440_key(version: str) -> tuple[Any, ...]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, _generic_key(version))


class _MavenOrder(tuple[tuple[Any, ...], ...]):
    """Maven keys of different lengths compare as if the shorter one were padded with a release."""

    def _cmp(self, other: tuple[Any, ...]) -> int:
        length = max(len(self), len(other))
        left = list(self) + [_MAVEN_PAD] * (length - len(self))
        right = list(other) + [_MAVEN_PAD] * (length - len(other))
        return (left > right) - (left < right)

    def __lt__(self, other: tuple[Any, ...]) -> bool:
        return self._cmp(other) < 0

    def __le__(self, other: tuple[Any, ...]) -> bool:
        return self._cmp(other) <= 0

    def __gt__(self, other: tuple[Any, ...]) -> bool:
        return self._cmp(other) > 0

    def __ge__(self, other: tuple[Any, ...]) -> bool:
        return self._cmp(other) >= 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, tuple) and self._cmp(other) == 0

    def __ne__(self, other: object) -> bool:
        return not isinstance(other, tuple) or self._cmp(other) != 0

    __hash__ = tuple.__hash__


def version_key(ecosystem: str, version: str) -> Any:
    """A sort key that orders versions of `ecosystem` the way its package manager does."""
    version = (version or "").strip()[:_MAX_VERSION_CHARS]
    if ecosystem == "PyPI":
        return _pep440_key(version)
    if ecosystem == "Maven":
        return _MavenOrder(_maven_key(version))
    if ecosystem == "Go":
        return _semver_key(version.removesuffix("+incompatible"))
    return _semver_key(version)


def compare_versions(ecosystem: str, left: str, right: str) -> int:
    """-1, 0 or 1 as `left` is older than, equal to or newer than `right`."""
    a, b = version_key(ecosystem, left), version_key(ecosystem, right)
    return int(a > b) - int(a < b)


def _in_range(ecosystem: str, version_k: Any, rng: AffectedRange) -> bool:
    def event_key(event: RangeEvent) -> Any:
        if event.kind == "introduced" and event.version == "0":
            return None
        return version_key(ecosystem, event.version)

    keyed = [(event_key(event), event) for event in rng.events]
    # "introduced: 0" is before everything; events otherwise apply in version order.
    keyed.sort(key=lambda pair: (pair[0] is not None, pair[0] if pair[0] is not None else 0))
    affected = False
    for key, event in keyed:
        if event.kind == "introduced":
            if key is None or key <= version_k:
                affected = True
            else:
                break
        elif event.kind == "fixed":
            if key <= version_k:
                affected = False
            else:
                break
        elif event.kind == "last_affected":
            if key < version_k:
                affected = False
            else:
                break
        elif event.kind == "limit" and key <= version_k:
            affected = False
    return affected


def version_affected(
    ecosystem: str,
    version: str,
    *,
    versions: Iterable[str] = (),
    ranges: Iterable[AffectedRange] = (),
) -> bool:
    """Whether `version` is one of `versions` or inside one of the ECOSYSTEM/SEMVER `ranges`."""
    if not version:
        return False
    mine = version_key(ecosystem, version)
    if any(version_key(ecosystem, listed) == mine for listed in versions):
        return True
    return any(
        _in_range(ecosystem, mine, rng) for rng in ranges if rng.type in ("ECOSYSTEM", "SEMVER")
    )


# --- parsing -------------------------------------------------------------------------------------


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _severity_of(record: dict[str, Any], affected: dict[str, Any]) -> str:
    holders = (
        affected.get("database_specific"),
        affected.get("ecosystem_specific"),
        record.get("database_specific"),
    )
    for holder in holders:
        word = holder.get("severity") if isinstance(holder, dict) else None
        if isinstance(word, str) and word.upper() in _SEVERITY_WORDS:
            return _SEVERITY_WORDS[word.upper()]
    return DEFAULT_SEVERITY


def _cwe_of(record: dict[str, Any]) -> int | None:
    specific = record.get("database_specific")
    if not isinstance(specific, dict):
        return None
    for cwe in specific.get("cwe_ids") or ():
        match = _CWE.match(cwe) if isinstance(cwe, str) else None
        if match:
            return int(match.group(1))
    return None


def _ranges_of(affected: dict[str, Any]) -> list[AffectedRange]:
    ranges: list[AffectedRange] = []
    for raw in affected.get("ranges") or ():
        if not isinstance(raw, dict):
            raise OSVError("an `affected[].ranges` entry is not an object")
        kind = raw.get("type")
        if kind not in ("ECOSYSTEM", "SEMVER"):
            continue
        events: list[RangeEvent] = []
        for raw_event in raw.get("events") or ():
            if not isinstance(raw_event, dict):
                raise OSVError("a range event is not an object")
            for name in ("introduced", "fixed", "last_affected", "limit"):
                value = raw_event.get(name)
                if isinstance(value, str) and value:
                    events.append(RangeEvent(kind=name, version=value[:_MAX_VERSION_CHARS]))
        if events:
            ranges.append(AffectedRange(type=kind, events=tuple(events)))
    return ranges


def parse_osv_record(record: Any) -> list[Advisory]:
    """The advisories of one OSV record: one per (ecosystem, package) it names; other ecosystems
    are skipped."""
    if not isinstance(record, dict):
        raise OSVError("an OSV record is not a JSON object")
    advisory_id = record.get("id")
    if not isinstance(advisory_id, str) or not advisory_id.strip():
        raise OSVError("an OSV record has no `id`")
    if len(advisory_id) > _MAX_ID_CHARS:
        raise OSVError(f"an OSV id is longer than {_MAX_ID_CHARS} characters")
    affected_list = record.get("affected")
    affected_list = [] if affected_list is None else affected_list
    if not isinstance(affected_list, list):
        raise OSVError(f"{advisory_id}: `affected` is not a list")
    summary = _text(record.get("summary"), _MAX_SUMMARY_CHARS) or _text(
        record.get("details"), _MAX_SUMMARY_CHARS
    )
    aliases = tuple(
        alias[:_MAX_ID_CHARS] for alias in record.get("aliases") or () if isinstance(alias, str)
    )
    cwe = _cwe_of(record)
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for affected in affected_list:
        if not isinstance(affected, dict):
            raise OSVError(f"{advisory_id}: an `affected` entry is not an object")
        package = affected.get("package")
        if not isinstance(package, dict):
            continue
        ecosystem = canonical_ecosystem(_text(package.get("ecosystem"), 64))
        name = _text(package.get("name"), _MAX_PACKAGE_CHARS)
        if ecosystem is None or not name:
            continue
        key = (ecosystem, normalize_package_name(ecosystem, name))
        entry = merged.setdefault(
            key, {"versions": [], "ranges": [], "severity": _severity_of(record, affected)}
        )
        raw_versions = affected.get("versions") or []
        if not isinstance(raw_versions, list):
            raise OSVError(f"{advisory_id}: `versions` is not a list")
        entry["versions"].extend(
            v[:_MAX_VERSION_CHARS] for v in raw_versions if isinstance(v, str) and v
        )
        entry["ranges"].extend(_ranges_of(affected))
    return [
        Advisory(
            id=advisory_id,
            ecosystem=ecosystem,
            package=package,
            summary=summary,
            aliases=aliases,
            severity=entry["severity"],
            cwe=cwe,
            versions=tuple(dict.fromkeys(entry["versions"])),
            ranges=tuple(entry["ranges"]),
        )
        for (ecosystem, package), entry in merged.items()
    ]


def parse_osv_json(data: Any) -> list[Advisory]:
    """Advisories from decoded OSV JSON: one record or a list of records."""
    records = data if isinstance(data, list) else [data]
    advisories: list[Advisory] = []
    for record in records:
        advisories.extend(parse_osv_record(record))
    return advisories


def _decode_json(raw: bytes, where: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OSVError(f"{where} is not valid JSON: {exc}") from None
    except RecursionError:
        raise OSVError(f"{where} is nested too deeply to be OSV JSON") from None


def parse_osv_bytes(raw: bytes, *, name: str = "input") -> list[Advisory]:
    """Advisories from the bytes of an OSV file: JSON (a record or a list) or a zip of records."""
    if len(raw) > MAX_OSV_BYTES:
        raise OSVError(f"{name} is larger than {MAX_OSV_BYTES} bytes")
    if raw[:4] == b"PK\x03\x04":
        return _parse_zip(raw, name=name)
    return parse_osv_json(_decode_json(raw, name))


def _parse_zip(raw: bytes, *, name: str) -> list[Advisory]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise OSVError(f"{name} is not a readable zip file: {exc}") from None
    with archive:
        members = [info for info in archive.infolist() if info.filename.endswith(".json")]
        if len(members) > MAX_ZIP_MEMBERS:
            raise OSVError(f"{name} holds more than {MAX_ZIP_MEMBERS} files")
        # The sizes in the directory can lie; the reads below are bounded again.
        if sum(info.file_size for info in members) > MAX_OSV_BYTES:
            raise OSVError(f"{name} unpacks to more than {MAX_OSV_BYTES} bytes")
        advisories: list[Advisory] = []
        budget = MAX_OSV_BYTES
        for info in members:
            try:
                with archive.open(info) as member:
                    content = member.read(budget + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                raise OSVError(f"{name}: a member could not be read: {exc}") from None
            budget -= len(content)
            if budget < 0:
                raise OSVError(f"{name} unpacks to more than {MAX_OSV_BYTES} bytes")
            advisories.extend(parse_osv_json(_decode_json(content, f"{name}: a member")))
    return advisories


# --- the index -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VulnerabilityIndex:
    """Advisories by (ecosystem, normalised package), with a digest of their content so scan
    results cached under one database state are not reused under another."""

    by_package: dict[tuple[str, str], tuple[Advisory, ...]] = field(default_factory=dict)
    digest: str = ""

    @classmethod
    def from_advisories(cls, advisories: Sequence[Advisory]) -> VulnerabilityIndex:
        grouped: dict[tuple[str, str], list[Advisory]] = defaultdict(list)
        material = hashlib.sha256()
        for advisory in sorted(advisories, key=lambda a: (a.ecosystem, a.package, a.id)):
            grouped[(advisory.ecosystem, advisory.package)].append(advisory)
            material.update(repr(advisory).encode("utf-8", "surrogatepass"))
        return cls(
            by_package={key: tuple(items) for key, items in grouped.items()},
            digest=material.hexdigest() if advisories else "",
        )

    def __len__(self) -> int:
        return sum(len(items) for items in self.by_package.values())

    def advisories_for(self, ecosystem: str, name: str) -> tuple[Advisory, ...]:
        return self.by_package.get((ecosystem, normalize_package_name(ecosystem, name)), ())

    def matches(self, ecosystem: str, name: str, version: str) -> list[Advisory]:
        """The advisories that affect `name` at `version`."""
        return [a for a in self.advisories_for(ecosystem, name) if a.affects(version)]


EMPTY_INDEX = VulnerabilityIndex()


def advisory_from_row(row: dict[str, Any]) -> Advisory:
    """An advisory from a stored `Vulnerability` row's values (the inverse of `advisory_row`)."""
    ranges: list[AffectedRange] = []
    cwe: int | None = None
    for raw in row.get("ranges") or ():
        ranges.extend(_ranges_of({"ranges": [raw]}))
        specific = raw.get("database_specific") if isinstance(raw, dict) else None
        if cwe is None and isinstance(specific, dict):
            cwe = _cwe_of({"database_specific": specific})
    severity = row.get("severity") or DEFAULT_SEVERITY
    return Advisory(
        id=row["advisory_id"],
        ecosystem=row["ecosystem"],
        package=row["package"],
        summary=row.get("summary") or "",
        aliases=tuple(row.get("aliases") or ()),
        severity=severity if severity in _SEVERITY_WORDS.values() else DEFAULT_SEVERITY,
        cwe=cwe,
        versions=tuple(row.get("versions") or ()),
        ranges=tuple(ranges),
    )


def advisory_row(advisory: Advisory) -> dict[str, Any]:
    """The `Vulnerability` fields for an advisory. The model has no CWE column, so the CWE rides
    in each range's OSV `database_specific` object."""
    ranges = []
    for rng in advisory.ranges:
        item = rng.as_osv()
        if advisory.cwe is not None:
            item["database_specific"] = {"cwe_ids": [f"CWE-{advisory.cwe}"]}
        ranges.append(item)
    return {
        "advisory_id": advisory.id,
        "ecosystem": advisory.ecosystem,
        "package": advisory.package,
        "summary": advisory.summary,
        "aliases": list(advisory.aliases),
        "severity": advisory.severity,
        "versions": list(advisory.versions),
        "ranges": ranges,
    }
