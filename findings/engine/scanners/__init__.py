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
    "findings.engine.scanners.trojan_source",
)


@dataclass(frozen=True)
class SourceFile:
    path: str
    language: str | None
    text: str
    added_lines: frozenset[int]
    blob_sha: str = ""


@dataclass(frozen=True)
class FlowStep:
    """One step of a data flow: a place in a file and what the tainted value does there."""

    path: str
    line: int
    note: str  # "source: request.args", "passed to `helper()`", "sink: cursor.execute"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "note": self.note}

    @classmethod
    def from_value(cls, value: Any) -> FlowStep:
        """A step from its dict form (JSON, the scan cache) or a (path, line, note) sequence."""
        if isinstance(value, FlowStep):
            return value
        if isinstance(value, dict):
            return cls(path=str(value["path"]), line=int(value["line"]), note=str(value["note"]))
        path, line, note = value
        return cls(path=str(path), line=int(line), note=str(note))


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
    # Data-flow findings only (taint engines fill them; pattern rules leave the defaults).
    # `line`..`end_line` is the sink; the source is where the data entered. `source_path` ""
    # means the finding's own `path`; `source_line` 0 means no known source. `flow` runs from
    # the source (first step) to the sink (last step), with the steps between in order.
    source_path: str = ""
    source_line: int = 0
    flow: tuple[FlowStep, ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if self.confidence not in CONFIDENCES:
            raise ValueError(f"unknown confidence {self.confidence!r}")
        if self.end_line < self.line:
            raise ValueError("end_line is before line")
        if self.source_line < 0:
            raise ValueError("source_line is negative")
        if not isinstance(self.flow, tuple):
            object.__setattr__(self, "flow", tuple(FlowStep.from_value(s) for s in self.flow))

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["flow"] = [step.as_dict() for step in self.flow]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FindingData:
        """The inverse of `as_dict`; entries written before a field existed get its default."""
        fields = cls.__dataclass_fields__
        values = {name: data[name] for name in fields if name in data}
        if "flow" in values:
            values["flow"] = tuple(FlowStep.from_value(step) for step in values["flow"] or ())
        return cls(**values)

    @property
    def source_file(self) -> str:
        """The file the data came from (the finding's own file unless `source_path` says)."""
        return self.source_path or self.path

    def flow_lines(self) -> frozenset[int]:
        """Lines of this finding's own file that its data flow passes through (source included)."""
        lines = {step.line for step in self.flow if step.path == self.path and step.line > 0}
        if self.source_line > 0 and self.source_file == self.path:
            lines.add(self.source_line)
        return frozenset(lines)

    def touches(self, lines: frozenset[int]) -> bool:
        """Whether the sink's line range, or a line its data flow passes through, is in `lines`.

        A flow counts when the PR added its source (or a step) even if the sink was already there.
        """
        if len(lines) < self.end_line - self.line + 1:
            in_range = any(self.line <= number <= self.end_line for number in lines)
        else:
            in_range = any(number in lines for number in range(self.line, self.end_line + 1))
        return in_range or not lines.isdisjoint(self.flow_lines())


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

    @property
    def cache_key(self) -> str:
        """The scanner id its per-blob results are cached under (ScanCache.scanner_id)."""
        return self.id

    def without(self, rule_ids: frozenset[str]) -> Scanner | None:
        """This scanner with the rules `rule_ids` not run at all, or None when it cannot leave
        rules out. Used on files where another scanner supersedes them (their findings would be
        dropped anyway), to save their time."""
        return None

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
