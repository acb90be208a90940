"""Plain data the workflow hands to the edge: what the check run for a revision should say.

`check_report_for_revision` (below) builds it; `github_app` publishes it. The edge knows
nothing of review rules, only this shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from findings.engine.annotations import annotation_text
from findings.engine.scanners import FlowStep
from findings.models import ChangedFile, Finding, Repository, Revision
from reviewbench.approvals.models import Approval, BoundaryException, RevisionPolicy
from reviewbench.approvals.selectors import (
    NeededException,
    awaiting_text,
    missing_approvals_text,
    policy_error_text,
    revision_policy,
)
from reviewbench.approvals.services import policy_for_revision
from reviewbench.checklist.models import ChecklistItem
from reviewbench.insights.feedback import noisy_rules
from reviewbench.policy import FeedbackSettings, PolicyError
from reviewbench.reviews.selectors import ReviewState, review_state, revision_findings
from reviewbench.text import code_block, markdown_escape, one_line


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


SUMMARY_LIMIT = 65_535
SUMMARY_FINDING_ROWS = 200


ANNOTATION_MESSAGE_LIMIT = 60_000


ANNOTATION_TITLE_LIMIT = 250


TITLE_LIMIT = 250


POLICY_ERROR_DISPLAY_LIMIT = 2000


def _annotation_level(severity: str) -> str:
    if severity in ("critical", "high"):
        return "failure"
    if severity == "medium":
        return "warning"
    return "notice"


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _findings_table(findings: list[Finding]) -> list[str]:
    lines = [
        "| Severity | Rule | CWE | Location | Triage |",
        "| --- | --- | --- | --- | --- |",
    ]
    for finding in findings[:SUMMARY_FINDING_ROWS]:
        cwe = f"CWE-{finding.cwe}" if finding.cwe else "-"
        location = markdown_escape(one_line(f"{finding.path}:{finding.line}", 300))
        rule = markdown_escape(one_line(finding.rule_id, 128))
        title = markdown_escape(one_line(finding.title, 200))
        lines.append(
            f"| {finding.get_severity_display()} | {rule}: {title} | {cwe} | {location} "
            f"| {finding.get_triage_display()} |"
        )
    if len(findings) > SUMMARY_FINDING_ROWS:
        lines.append("")
        lines.append(f"…and {len(findings) - SUMMARY_FINDING_ROWS} more findings in ReviewBench.")
    return lines


def _policy_section(policy: RevisionPolicy | None) -> list[str]:
    """The summary's policy part: the error, the boundary violations, and the tier and why."""
    if policy is None:
        return ["### Review tier", "The review policy has not been evaluated for this revision."]
    if policy.error:
        where = f" at line {policy.error_line}" if policy.error_line else ""
        return [
            "### Invalid .reviewbench.yml",
            f"The review policy on the base branch is invalid{where}; fix it there "
            "(a pull request cannot change its own review rules):",
            "",
            *code_block(one_line(policy_error_text(policy), POLICY_ERROR_DISPLAY_LIMIT)),
        ]
    lines: list[str] = []
    violations = policy.boundary_violations
    if violations:
        lines += [
            "### Usage boundary violations",
            "AI-written code on paths where the review policy prohibits it:",
        ]
        for violation in violations[:SUMMARY_FINDING_ROWS]:
            lines.append(
                f"- {markdown_escape(one_line(violation['path'], 300))}, "
                f"{markdown_escape(one_line(violation['hunk'], 200))}: "
                f"{markdown_escape(one_line(violation['rule'], 400))}"
            )
        if len(violations) > SUMMARY_FINDING_ROWS:
            lines.append(f"- and {len(violations) - SUMMARY_FINDING_ROWS} more hunks")
        lines.append("")
    count = policy.required_approvals
    groups = ", ".join(markdown_escape(one_line(group, 150)) for group in policy.required_groups)
    lines += [
        "### Review tier",
        f"Tier **{markdown_escape(one_line(policy.tier, 100))}** (level {policy.level}): "
        f"{count} approval{'s' if count != 1 else ''}"
        + (f", including one from each of: {groups}" if groups else "")
        + (f"; SLA {policy.sla_hours} hours." if policy.sla_hours else "."),
    ]
    if policy.reasons:
        lines += ["", "Why:"]
        lines += [
            f"- {markdown_escape(one_line(reason['text'], 600))}"
            for reason in policy.reasons[:SUMMARY_FINDING_ROWS]
        ]
    return lines


def _user_text(user: User | None) -> str:
    return markdown_escape(one_line(user.get_username(), 100)) if user is not None else "someone"


def _exceptions_section(needed: tuple[NeededException, ...]) -> list[str]:
    """Each usage-boundary exception the policy needs and where it stands."""
    if not needed:
        return []
    lines = [
        "",
        "### Usage exceptions",
        "AI-written code on these paths needs an exception granted by the named group:",
    ]
    for entry in needed[:SUMMARY_FINDING_ROWS]:
        where = (
            f"- {markdown_escape(one_line(entry.path, 300))} "
            f"(exception from {markdown_escape(one_line(entry.group, 150))}): "
        )
        row = entry.exception
        if row is None:
            lines.append(where + "needed, not requested")
        elif row.state == BoundaryException.State.REQUESTED:
            lines.append(
                where + f"requested by {_user_text(row.requested_by)} "
                f"({markdown_escape(one_line(row.reason, 400))})"
            )
        elif row.state == BoundaryException.State.GRANTED:
            lines.append(where + f"granted by {_user_text(row.decided_by)}")
        else:
            lines.append(
                where + f"refused by {_user_text(row.decided_by)} "
                f"({markdown_escape(one_line(row.decision_note, 400))})"
            )
    if len(needed) > SUMMARY_FINDING_ROWS:
        lines.append(f"- and {len(needed) - SUMMARY_FINDING_ROWS} more paths")
    return lines


def _approver_text(approval: Approval) -> str:
    name = markdown_escape(one_line(approval.user.get_username(), 100))
    groups = ", ".join(markdown_escape(one_line(g, 150)) for g in (approval.groups or ())[:20])
    return f"{name} ({groups})" if groups else name


def _approvals_section(state: ReviewState) -> list[str]:
    """Approvals given (non-stale, with groups), stale ones, and who is still missing."""
    valid = state.valid_approvals
    lines = [
        f"Approved by {', '.join(_approver_text(a) for a in valid)}."
        if valid
        else "No approvals yet."
    ]
    stale = state.stale_approvals
    if stale:
        lines.append(
            f"Stale (the push changed hunks this approval covered): "
            f"{', '.join(_approver_text(a) for a in stale)}."
        )
    missing = state.missing_text
    if missing:
        escaped_groups = tuple(markdown_escape(one_line(g, 150)) for g in state.missing_groups)
        lines.append(
            f"Still missing: {missing_approvals_text(state.missing_count, escaped_groups)}."
        )
    return lines


@dataclass(frozen=True)
class _StoredFinding:
    """A stored finding in the shape `findings.engine.annotations` reads."""

    rule_id: str
    cwe: int | None
    title: str
    message: str
    path: str
    line: int
    source_path: str
    source_line: int
    flow: tuple[FlowStep, ...]


def stored_flow(finding: Finding) -> tuple[FlowStep, ...]:
    """A stored finding's data flow as the engine's steps (bad rows are skipped, not fatal)."""
    steps = []
    for step in finding.flow or ():
        if isinstance(step, dict):
            try:
                steps.append(FlowStep.from_value(step))
            except (TypeError, ValueError, KeyError):
                continue
    return tuple(steps)


def _annotation(finding: Finding) -> Annotation:
    """The finding's annotation: the CWE and the rule, where the data came from and goes."""
    title, message = annotation_text(
        _StoredFinding(
            rule_id=finding.rule_id,
            cwe=finding.cwe,
            title=finding.title,
            message=finding.message,
            path=finding.path,
            line=finding.line,
            source_path=finding.source_path,
            source_line=finding.source_line,
            flow=stored_flow(finding),
        )
    )
    if finding.guidance:
        message += f"\n\n{finding.guidance}"
    message += f"\n\nTell the assistant: {finding.secure_prompt.text}"
    return Annotation(
        path=finding.path,
        start_line=max(finding.line, 1),
        end_line=max(finding.end_line, finding.line, 1),
        annotation_level=_annotation_level(finding.severity),
        title=_bounded(one_line(title, ANNOTATION_TITLE_LIMIT), 255),
        message=_bounded(message, ANNOTATION_MESSAGE_LIMIT),
    )


def _declaration_state(revision: Revision) -> tuple[bool, ChecklistItem | None]:
    """(declaration missing, the undeclared-AI-use item or None) from the revision's checklist."""
    items = {
        item.kind: item
        for item in ChecklistItem.objects.filter(
            revision=revision,
            kind__in=(ChecklistItem.Kind.DECLARATION, ChecklistItem.Kind.UNDECLARED),
        )
    }
    declaration = items.get(ChecklistItem.Kind.DECLARATION)
    missing = declaration is not None and declaration.answered_at is None
    return missing, items.get(ChecklistItem.Kind.UNDECLARED)


def _declaration_section(missing: bool, undeclared: ChecklistItem | None) -> list[str]:
    lines: list[str] = []
    if missing:
        lines += [
            "",
            "**AI-use declaration missing.** The policy requires the description to declare AI "
            "assistance ('AI assistance: none', 'partial' or 'most', and 'AI tool: …'); the "
            "review cannot be approved until it does.",
        ]
    if undeclared is not None:
        state = "recorded by a reviewer" if undeclared.answered_at else "a reviewer must ask"
        lines += [
            "",
            "**Undeclared AI use.** The description declares no AI assistance, but ReviewBench "
            f"found AI evidence ({state} what the assistant wrote).",
        ]
    return lines


def _noisy_section(revision: Revision, findings: list[Finding]) -> list[str]:
    """The rules among these findings whose recent precision in this repository is below the
    policy's `feedback.noisy_precision`: the reviewer weighs them knowing that."""
    if not findings:
        return []
    try:
        feedback = policy_for_revision(revision=revision).feedback
    except PolicyError:
        feedback = FeedbackSettings()
    repository = Repository.objects.filter(pk=revision.pull_request.repository_id)
    noisy = noisy_rules(repository, feedback, rule_ids=sorted({f.rule_id for f in findings}))
    if not noisy:
        return []
    lines = [
        "",
        "### Noisy rules",
        f"In this repository these rules were confirmed in under "
        f"{feedback.noisy_precision:.0%} of their last {feedback.noisy_window} triaged findings:",
    ]
    lines += [
        f"- `{markdown_escape(one_line(rule.rule_id, 128))}`: {rule.precision:.0%} confirmed of "
        f"{rule.triaged}"
        for rule in noisy[:SUMMARY_FINDING_ROWS]
    ]
    return lines


def check_report_for_revision(*, revision: Revision) -> CheckReport:
    """What the ReviewBench check run for this revision should say."""
    pull_request = revision.pull_request
    repository = pull_request.repository
    owner, _, name = repository.full_name.partition("/")
    details_path = reverse(
        "reviews:pull_request_detail",
        kwargs={"owner": owner, "name": name, "number": pull_request.number},
    )
    link = f"[Open this review in ReviewBench]({settings.REVIEWBENCH_BASE_URL}{details_path})"
    heading = (
        f"## ReviewBench: {markdown_escape(one_line(repository.full_name, 200))}"
        f"#{pull_request.number} at `{revision.head_sha[:12]}`"
    )

    def report(status: str, conclusion: str | None, title: str, body: list[str], **extra):
        summary = "\n".join([heading, "", *body, "", link])
        if len(summary) > SUMMARY_LIMIT:
            cut = SUMMARY_LIMIT - len(link) - 40
            summary = summary[:cut] + "\n\n…(summary truncated)\n\n" + link
        return CheckReport(
            status=status,
            conclusion=conclusion,
            title=_bounded(one_line(title, TITLE_LIMIT), TITLE_LIMIT),
            summary=summary,
            details_path=details_path,
            **extra,
        )

    if revision.status in (Revision.Status.QUEUED, Revision.Status.ANALYZING):
        return report(
            "in_progress", None, "Analysis in progress", ["ReviewBench is analysing this push."]
        )
    if revision.status == Revision.Status.FAILED:
        reason = markdown_escape(one_line(revision.status_reason or "no reason recorded", 2000))
        return report("completed", "failure", "Analysis failed", [f"**Analysis failed:** {reason}"])
    if revision.status == Revision.Status.SUPERSEDED:
        return report(
            "completed",
            None,
            "Superseded by a newer push",
            ["This revision was superseded by a newer push and is not reviewed."],
            publishable=False,
        )

    policy = revision_policy(revision)
    findings = sorted(
        (f for f in revision_findings(revision) if not f.pre_existing),
        key=lambda f: (-Finding.SEVERITY_RANK.get(f.severity, -1), f.path, f.line, f.id),
    )
    state = review_state(revision)
    confirmed = [f for f in findings if f.triage == Finding.Triage.CONFIRMED]
    open_findings = [f for f in findings if f.triage == Finding.Triage.OPEN]
    progress = f"checklist {state.items_answered}/{state.items_total}"
    violations = policy.boundary_violations if policy is not None and not policy.error else []
    awaiting = awaiting_text(state.missing_count, state.missing_groups)
    declaration_missing, undeclared = _declaration_state(revision)
    if policy is not None and policy.error:
        conclusion = "failure"
        title = "Invalid .reviewbench.yml"
    elif violations:
        conclusion = "failure"
        n = len(violations)
        title = f"{n} AI-written hunk{'s' if n != 1 else ''} on a prohibited path · {progress}"
    elif confirmed:
        conclusion = "failure"
        n = len(confirmed)
        title = f"{n} confirmed finding{'s' if n != 1 else ''} to fix · {progress}"
    elif state.approved:
        conclusion = "success"
        names = ", ".join(a.user.get_username() for a in state.valid_approvals)
        title = f"Approved by {names} · {progress}" if names else f"Approved · {progress}"
    else:
        conclusion = "action_required"
        n = len(open_findings)
        parts = [f"{n} finding{'s' if n != 1 else ''} to triage"] if n else []
        if declaration_missing:
            parts.append("AI-use declaration missing")
        pending = len(state.exceptions_pending)
        if pending:
            parts.append(f"{pending} usage exception{'s' if pending != 1 else ''} pending")
        title = " · ".join([*parts, progress, *([awaiting] if awaiting else [])])

    body: list[str] = [f"**{markdown_escape(one_line(title, TITLE_LIMIT))}**", ""]
    body += _policy_section(policy)
    body += _declaration_section(declaration_missing, undeclared)
    body += _exceptions_section(state.exceptions)
    body += ["", "### Findings"]
    body += _findings_table(findings) if findings else ["No new findings."]
    body += _noisy_section(revision, findings)
    not_analysed = list(
        ChangedFile.objects.filter(revision=revision)
        .exclude(analysis=ChangedFile.Analysis.ANALYSED)
        .order_by("position", "path")
    )
    if not_analysed:
        body += ["", f"### Files not analysed ({len(not_analysed)})"]
        for changed in not_analysed[:SUMMARY_FINDING_ROWS]:
            note = changed.analysis_note or changed.get_analysis_display()
            body.append(
                f"- {markdown_escape(one_line(changed.path, 300))}: "
                f"{markdown_escape(one_line(note, 300))}"
            )
        if len(not_analysed) > SUMMARY_FINDING_ROWS:
            body.append(
                f"- … and {len(not_analysed) - SUMMARY_FINDING_ROWS} more, each listed with its "
                "reason on the pull request's page."
            )
    times = sorted(
        (revision.scanner_seconds or {}).items(), key=lambda item: -float(item[1].get("seconds", 0))
    )
    if times:
        spent = ", ".join(
            f"{markdown_escape(one_line(scanner_id, 64))} {float(t.get('seconds', 0)):.1f} s"
            for scanner_id, t in times
        )
        body += ["", f"Scanner time: {spent}."]
    if revision.carried_files:
        body += [
            "",
            f"{revision.carried_files} unchanged file{'s' if revision.carried_files != 1 else ''} "
            f"taken from the analysis of {revision.carried_from[:7]} (same base, same blobs): "
            "only what this push changed was analysed again.",
        ]
    body += ["", "### Checklist", f"{state.items_answered} of {state.items_total} items answered."]
    body += ["", "### Approvals", *_approvals_section(state)]

    annotations = tuple(_annotation(f) for f in findings)
    return report("completed", conclusion, title, body, annotations=annotations)
