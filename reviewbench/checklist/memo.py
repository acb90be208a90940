"""Per-file checklist work remembered across pushes: a push that changes one file of a
1,000-file PR works out the assumptions and questions of one file, not of a thousand.

The work for one file is a pure function of its path, text and AI-written lines, so its result is
stored under a hash of those (in the scan cache's table, through the same protocol) and under a
version that is the hash of the code that computes it: changing that code forgets every entry.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from findings.engine.analysis import ScanCacheProtocol

T = TypeVar("T")

_HERE = Path(__file__).resolve().parent
_SOURCES = (
    *sorted((_HERE / "assumptions").glob("*.py")),
    _HERE / "comprehension.py",
    _HERE.parent.parent / "findings" / "engine" / "syntax" / "outline.py",
)


def _code_version(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


VERSION = _code_version(_SOURCES)


def memo_key(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


# Entries this process has already read or worked out, by (kind, version, key): a worker that
# analyses push after push of one PR needs the same thousand entries each time, and reading them
# back from the table (one query, then JSON) is most of a one-file push's checklist. The values
# are frozen dataclasses and depend on the key alone, so they are shared; the least recently
# used go first past the limit.
_PROCESS: OrderedDict[tuple[str, str, str], tuple[Any, ...]] = OrderedDict()
PROCESS_LIMIT = 20_000


def _remember(name: str, key: str, values: Sequence[Any]) -> None:
    _PROCESS[(name, VERSION, key)] = tuple(values)
    _PROCESS.move_to_end((name, VERSION, key))
    while len(_PROCESS) > PROCESS_LIMIT:
        _PROCESS.popitem(last=False)


class FileMemo(Generic[T]):
    """The remembered results of one kind of per-file work, fetched in one batch up front and
    written in one batch at the end (`save`)."""

    def __init__(
        self,
        store: ScanCacheProtocol | None,
        name: str,
        keys: Sequence[str],
        decode: Callable[[dict[str, Any]], T],
    ) -> None:
        self._store, self._name, self._decode = store, name, decode
        self._local: dict[str, tuple[T, ...]] = {}
        if store is not None:
            for key in keys:
                found = _PROCESS.get((name, VERSION, key))
                if found is not None:
                    self._local[key] = found
        missing = [key for key in keys if key not in self._local]
        self._found = (
            store.get_many(name, VERSION, [(key, "") for key in missing])
            if store and missing
            else {}
        )
        self._new: list[tuple[str, str, list[dict[str, Any]]]] = []
        self.hits = 0

    def get(self, key: str, compute: Callable[..., list[T]], *args: Any) -> list[T]:
        """The remembered result for `key`, or `compute(*args)` (then remembered on save)."""
        local = self._local.get(key)
        if local is not None:
            self.hits += 1
            return list(local)
        rows = self._found.get((key, ""))
        if rows is not None:
            try:
                values = [self._decode(row) for row in rows]
            except (KeyError, TypeError, ValueError):
                values = None
            if values is not None:
                self.hits += 1
                _remember(self._name, key, values)
                return values
        values = compute(*args)
        if self._store is not None:
            self._new.append((key, "", [dataclasses.asdict(v) for v in values]))  # type: ignore[call-overload]
            _remember(self._name, key, values)
        return values

    def put(self, key: str, values: list[T]) -> None:
        """Remember `values` for `key` (worked out elsewhere) on save."""
        if self._store is not None and (key, "") not in self._found and key not in self._local:
            self._new.append((key, "", [dataclasses.asdict(v) for v in values]))  # type: ignore[call-overload]
            _remember(self._name, key, values)

    def save(self) -> None:
        if self._store is not None and self._new:
            self._store.put_many(self._name, VERSION, self._new)
            self._new = []
