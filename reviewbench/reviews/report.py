"""Plain data the workflow hands to the edge: what the check run for a revision should say.

`reviews.selectors.check_report_for_revision` builds it; `github_app` publishes it. The edge knows
nothing of review rules, only this shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Annotation:
    path: str
    start_line: int
    end_line: int
    annotation_level: str  # notice | warning | failure (GitHub's names)
    title: str
    message: str


@dataclass(frozen=True)
class CheckReport:
    status: str  # in_progress | completed
    conclusion: str | None  # action_required | success | failure | None while in progress
    title: str
    summary: str  # markdown; the publisher caps it at GitHub's 65,535 characters
    annotations: tuple[Annotation, ...] = field(default_factory=tuple)
    details_path: str = ""  # path of the PR's page, joined to REVIEWBENCH_BASE_URL by the edge
    publishable: bool = True  # False for a superseded revision: never published
