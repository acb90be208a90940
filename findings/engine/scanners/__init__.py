"""The scanner plugin registry and the plain data scanners take and return.

A scanner is a class with an `id`, a `version` and the `languages` it reads, registered with
`@register`; a new scanner is a new module listed in `BUILTIN_SCANNER_MODULES`, never a new branch
in an if-chain. Scanners are pure: source files in, finding data out, no ORM.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

SEVERITIES = ("info", "low", "medium", "high", "critical")
CONFIDENCES = ("low", "medium", "high")

# Modules imported (and so registered) before the registry is read.
BUILTIN_SCANNER_MODULES: tuple[str, ...] = (
    "findings.engine.scanners.bandit_scanner",
    "findings.engine.scanners.semgrep_scanner",
    "findings.engine.scanners.python_taint",
    "findings.engine.scanners.secrets_scanner",
    "findings.engine.scanners.dependencies",
)


@dataclass(frozen=True)
class SourceFile:
    path: str
    language: str | None
    text: str
    added_lines: frozenset[int]
    blob_sha: str = ""


@dataclass(frozen=True)
class FindingData:
    scanner_id: str
    scanner_version: str
    rule_id: str
    cwe: int | None
    severity: str  # info | low | medium | high | critical
    confidence: str  # low | medium | high
    title: str
    message: str
    guidance: str
    path: str
    line: int
    end_line: int
    code: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if self.confidence not in CONFIDENCES:
            raise ValueError(f"unknown confidence {self.confidence!r}")
        if self.end_line < self.line:
            raise ValueError("end_line is before line")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FindingData:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})

    def touches(self, lines: frozenset[int]) -> bool:
        """Whether the finding's line range includes one of `lines`."""
        if len(lines) < self.end_line - self.line + 1:
            return any(self.line <= number <= self.end_line for number in lines)
        return any(number in lines for number in range(self.line, self.end_line + 1))


@dataclass(frozen=True)
class FileFailure:
    path: str
    scanner_id: str
    reason: str  # in words a reviewer can read


@dataclass(frozen=True)
class ScanOutcome:
    findings: tuple[FindingData, ...] = field(default_factory=tuple)
    failures: tuple[FileFailure, ...] = field(default_factory=tuple)


class Scanner(ABC):
    """A scanner: reads whole source files of its languages and reports findings on any line.

    Diff-awareness (keeping findings on added lines) is the caller's job, so whole-file results can
    be cached by blob SHA.
    """

    id: ClassVar[str]
    version: ClassVar[str]
    languages: ClassVar[frozenset[str]]
    # Rule ids of other scanners this one replaces on the files it analysed without a failure
    # (a precise data-flow verdict wins over a pattern match on the same line).
    supersedes: ClassVar[frozenset[str]] = frozenset()

    def handles(self, language: str | None) -> bool:
        return language is not None and language in self.languages

    @abstractmethod
    def scan(self, files: Sequence[SourceFile]) -> ScanOutcome:
        """Scan `files` and return every finding in them, plus the files it could not read."""


_REGISTRY: dict[str, type[Scanner]] = {}


def register(scanner_cls: type[Scanner]) -> type[Scanner]:
    """Class decorator: add a scanner to the registry under its `id`."""
    for attribute in ("id", "version", "languages"):
        if not getattr(scanner_cls, attribute, None):
            raise TypeError(f"{scanner_cls.__name__} needs a non-empty `{attribute}`")
    existing = _REGISTRY.get(scanner_cls.id)
    if existing is not None and existing is not scanner_cls:
        raise ValueError(f"scanner id {scanner_cls.id!r} is already registered")
    _REGISTRY[scanner_cls.id] = scanner_cls
    return scanner_cls


def unregister(scanner_id: str) -> None:
    """Remove a scanner from the registry (tests and plugins that are switched off)."""
    _REGISTRY.pop(scanner_id, None)


def _load_builtin_scanners() -> None:
    for module in BUILTIN_SCANNER_MODULES:
        importlib.import_module(module)


def registered_scanners() -> list[Scanner]:
    """One instance of every registered scanner, ordered by id."""
    _load_builtin_scanners()
    return [_REGISTRY[scanner_id]() for scanner_id in sorted(_REGISTRY)]
