"""Plain data of policy as code: a loaded `Policy`, the evaluation's inputs, its `PolicyResult`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class PolicyError(ValueError):
    """An invalid policy: `message` is shown as is in the failed check run, `line` is 1-based."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message, line)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class FindingCondition:
    severity_at_least: str | None = None
    cwe: tuple[int, ...] = ()


@dataclass(frozen=True)
class TierConditions:
    paths: tuple[str, ...] = ()
    findings: FindingCondition | None = None
    ai_share_above: float | None = None
    size_above: int | None = None


@dataclass(frozen=True)
class Tier:
    name: str
    level: int
    approvals: int
    groups: tuple[str, ...]
    sla_hours: int
    # None: the tier applies to every pull request (the base tier).
    when: TierConditions | None = None
    # The share of planted flaws an approver must have caught in their recent calibration
    # exercises (None: no requirement).
    min_catch_rate: float | None = None


@dataclass(frozen=True)
class UsageBoundary:
    paths: tuple[str, ...]
    ai: str
    granted_by: str | None = None


@dataclass(frozen=True)
class ChecklistSettings:
    """How many questions a pull request's checklist asks at most."""

    comprehension_limit: int = 10
    assumption_limit: int = 200
    require_ai_declaration: bool = False


@dataclass(frozen=True)
class LimitSettings:
    """How much one analysis may take on; past a limit files are listed as not analysed."""

    max_files: int = 3000
    max_file_bytes: int = 1024 * 1024
    scanner_seconds: int = 300


@dataclass(frozen=True)
class FeedbackSettings:
    """When a rule counts as noisy: its precision over its last `noisy_window` triaged findings
    is below `noisy_precision`."""

    noisy_precision: float = 0.5
    noisy_window: int = 30


@dataclass(frozen=True)
class Policy:
    version: int
    tiers: tuple[Tier, ...]  # by level, highest first
    usage_boundaries: tuple[UsageBoundary, ...]
    checklist: ChecklistSettings = ChecklistSettings()
    limits: LimitSettings = LimitSettings()
    feedback: FeedbackSettings = FeedbackSettings()

    def tier(self, name: str) -> Tier:
        return next(tier for tier in self.tiers if tier.name == name)


class ChangedFileInput(NamedTuple):
    path: str
    added_lines: int = 0


class HunkInput(NamedTuple):
    path: str
    authorship: str
    added: int
    hunk_index: int | None = None  # Hunk.index
    start: int | None = None  # first line on the head side


class FindingInput(NamedTuple):
    severity: str
    cwe: int | None
    path: str
    line: int
    triage: str = "open"


class Reason(NamedTuple):
    tier: str  # "tier sensitive"
    text: str  # "path payments/charge.py matched **/payment*/**"


class BoundaryViolation(NamedTuple):
    path: str
    hunk: str  # "hunk 2 at line 10, 5 added lines"
    rule: str


class ExceptionNeeded(NamedTuple):
    path: str
    group: str


@dataclass(frozen=True)
class PolicyResult:
    tier: str
    level: int
    required_approvals: int
    required_groups: tuple[str, ...]
    sla_hours: int
    reasons: tuple[Reason, ...]
    boundary_violations: tuple[BoundaryViolation, ...]
    exceptions_needed: tuple[ExceptionNeeded, ...]
    min_catch_rate: float | None = None
