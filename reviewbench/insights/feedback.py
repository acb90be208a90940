"""Feedback numbers: which rules, classes, languages, AI tools and repositories produce real
findings and which produce noise, over a period.

A finding here is one (pull request, fingerprint): the rows a finding leaves on each pushed
revision count once, with the triage of the latest. Every figure is aggregated in the database,
a fixed number of queries whatever the number of findings; only the grouped rows (a few per
rule, language, tool and repository) reach Python.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from findings.engine.secure_prompts import secure_prompt
from findings.models import Finding, Hunk, Repository, Revision
from reviewbench.access.selectors import repositories_for
from reviewbench.approvals.services import repository_policy
from reviewbench.checklist.models import ChecklistItem
from reviewbench.policy import FeedbackSettings, PolicyError
from reviewbench.policy.schema import NOISY_MIN_TRIAGED

FEEDBACK_DAYS = 30
HUMAN = "human"
UNNAMED_AI = "AI (tool not named)"
DIMENSIONS = {
    "rule": "Rule",
    "class": "CWE class",
    "language": "Language",
    "tool": "AI tool",
    "repository": "Repository",
}
_TRIAGED = (
    Finding.Triage.CONFIRMED,
    Finding.Triage.FALSE_POSITIVE,
    Finding.Triage.ACCEPTED_RISK,
)


class FeedbackError(ValueError):
    """A request for numbers that cannot be answered (bad dimension or period)."""


@dataclass
class FeedbackRow:
    key: str
    raised: int = 0
    confirmed: int = 0
    false_positive: int = 0
    accepted_risk: int = 0
    triage_seconds_total: float = 0.0
    fixed: int = 0  # confirmed findings a later push no longer has
    fix_seconds_total: float = 0.0
    noisy: bool = False
    recent_precision: float | None = None  # over the rule's last triaged findings (rules only)

    @property
    def triaged(self) -> int:
        return self.confirmed + self.false_positive + self.accepted_risk

    @property
    def open(self) -> int:
        return self.raised - self.triaged

    @property
    def precision(self) -> float | None:
        """Confirmed ÷ triaged; None before anything is triaged."""
        return self.confirmed / self.triaged if self.triaged else None

    @property
    def triage_hours(self) -> float | None:
        """Mean hours from the finding being raised to its triage."""
        return self.triage_seconds_total / self.triaged / 3600 if self.triaged else None

    @property
    def fix_hours(self) -> float | None:
        """Mean hours from confirming a finding to the first analysed push without it."""
        return self.fix_seconds_total / self.fixed / 3600 if self.fixed else None


@dataclass(frozen=True)
class NoisyRule:
    rule_id: str
    precision: float
    triaged: int  # how many of its latest triaged findings the precision is over


@dataclass
class Feedback:
    since: datetime.date
    until: datetime.date
    dimension: str
    settings: FeedbackSettings
    rows: list[FeedbackRow] = field(default_factory=list)
    ai_findings: int = 0
    human_findings: int = 0
    ai_added_lines: int = 0
    human_added_lines: int = 0
    noisy_rules: list[NoisyRule] = field(default_factory=list)
    undeclared_ai_prs: int = 0  # described as "AI assistance: none" though provenance found AI
    missing_declaration_prs: int = 0  # the policy asks for a declaration the description lacks

    @staticmethod
    def _per_kloc(findings: int, lines: int) -> float | None:
        return findings * 1000 / lines if lines else None

    @property
    def ai_per_kloc(self) -> float | None:
        return self._per_kloc(self.ai_findings, self.ai_added_lines)

    @property
    def human_per_kloc(self) -> float | None:
        return self._per_kloc(self.human_findings, self.human_added_lines)


@contextlib.contextmanager
def _aggregate_reads() -> Iterator[None]:
    """One transaction for the numbers' reads (one snapshot), with PostgreSQL's JIT off inside it:
    the per-finding AI-tool lookup makes the planner's cost estimate large enough to JIT-compile
    the query, which costs about a second on every request and saves nothing at this size."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _latest_findings(repositories: QuerySet[Repository]) -> QuerySet[Finding]:
    """One row per (pull request, fingerprint): the latest, which carries the latest triage."""
    scoped = Finding.objects.filter(
        revision__pull_request__repository__in=repositories, pre_existing=False
    )
    later = Finding.objects.filter(
        revision__pull_request_id=OuterRef("revision__pull_request_id"),
        fingerprint=OuterRef("fingerprint"),
        pk__gt=OuterRef("pk"),
    )
    return scoped.filter(~Exists(later))


def _fixed_at() -> Case:
    """For a confirmed finding's latest row: when the first later push of its pull request was
    analysed (that push no longer has it, or a later row would be the latest); NULL while no
    later push exists. Asked only of confirmed findings on superseded revisions: a revision
    that is still its pull request's head has no later push."""
    later = (
        Revision.objects.filter(
            pull_request_id=OuterRef("revision__pull_request_id"),
            created_at__gt=OuterRef("revision__created_at"),
            status__in=(Revision.Status.READY, Revision.Status.SUPERSEDED),
            finished_at__isnull=False,
        )
        .order_by("created_at")
        .values("finished_at")[:1]
    )
    return Case(
        When(
            triage=Finding.Triage.CONFIRMED,
            triaged_at__isnull=False,
            revision__status=Revision.Status.SUPERSEDED,
            then=Subquery(later),
        ),
        default=None,
        output_field=DateTimeField(),
    )


def noisy_rules(
    repositories: QuerySet[Repository],
    settings: FeedbackSettings,
    rule_ids: list[str] | None = None,
) -> list[NoisyRule]:
    """Rules whose precision over their last `noisy_window` triaged findings is below
    `noisy_precision`, once at least NOISY_MIN_TRIAGED are triaged (any period)."""
    triaged = _latest_findings(repositories).filter(triage__in=_TRIAGED)
    if rule_ids is not None:
        triaged = triaged.filter(rule_id__in=rule_ids)
    ranked = triaged.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("rule_id")],
            order_by=[F("triaged_at").desc(nulls_last=True), F("pk").desc()],
        )
    ).filter(rank__lte=settings.noisy_window)
    tallies: dict[str, list[int]] = {}
    with _aggregate_reads():
        rows = list(ranked.values_list("rule_id", "triage"))
    for rule_id, triage in rows:
        tally = tallies.setdefault(rule_id, [0, 0])
        tally[0] += 1
        tally[1] += triage == Finding.Triage.CONFIRMED
    noisy = [
        NoisyRule(rule_id=rule_id, precision=confirmed / count, triaged=count)
        for rule_id, (count, confirmed) in tallies.items()
        if count >= NOISY_MIN_TRIAGED and confirmed / count < settings.noisy_precision
    ]
    return sorted(noisy, key=lambda rule: (rule.precision, rule.rule_id))


def _key(dimension: str, row: Mapping[str, Any]) -> str:
    if dimension == "rule":
        return str(row["rule_id"])
    if dimension == "class":
        return secure_prompt(cwe=row["cwe"], rule_id=str(row["rule_id"])).title
    if dimension == "language":
        return str(row["language"] or "other")
    if dimension == "tool":
        tool = row["tool"]
        return HUMAN if tool is None else (str(tool) or UNNAMED_AI)
    return str(row["repository"])


@_aggregate_reads()
def feedback_numbers(
    *,
    repositories: QuerySet[Repository],
    since: datetime.date,
    until: datetime.date,
    dimension: str = "rule",
    settings: FeedbackSettings | None = None,
) -> Feedback:
    """The feedback numbers of findings raised on revisions analysed from `since` to `until`
    (inclusive, UTC dates) in `repositories`, grouped by `dimension`; raises FeedbackError."""
    if dimension not in DIMENSIONS:
        raise FeedbackError(f"unknown dimension; choose one of {', '.join(DIMENSIONS)}")
    if until < since:
        raise FeedbackError("until is before since")
    if (until - since).days > 366 * 5:
        raise FeedbackError("choose a period of at most five years")
    settings = settings or FeedbackSettings()
    # A range on the column itself (not its date): the planner can estimate and index it.
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(
        until + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
    )
    in_period = Q(revision__created_at__gte=start, revision__created_at__lt=end)
    findings = _latest_findings(repositories).filter(in_period)
    waited = ExpressionWrapper(F("triaged_at") - F("created_at"), output_field=DurationField())
    # Only the columns the dimension needs are joined and grouped; every row also says whether
    # its finding sits in an AI-written hunk (tool None: it does not), for the AI/human split.
    columns = {
        "rule": {"rule_id": F("rule_id")},
        "class": {"rule_id": F("rule_id"), "cwe": F("cwe")},
        "language": {"language": F("changed_file__language")},
        "tool": {},
        "repository": {"repository": F("revision__pull_request__repository__full_name")},
    }[dimension]
    # The AI-written hunk the finding's line is in, joined (hunks of one file never overlap, so
    # at most one matches): a join the planner hashes on the file, not a lookup per finding.
    annotated = findings.annotate(
        ai_hunk=FilteredRelation(
            "changed_file__hunks",
            condition=Q(
                changed_file__hunks__authorship=Hunk.Authorship.AI,
                changed_file__hunks__target_start__lte=F("line"),
                changed_file__hunks__target_start__gt=F("line")
                - F("changed_file__hunks__target_length"),
            ),
        ),
    ).annotate(tool=F("ai_hunk__ai_tool"), fixed_at=_fixed_at())
    fixed = Q(fixed_at__isnull=False, fixed_at__gte=F("triaged_at"))
    to_fix = ExpressionWrapper(F("fixed_at") - F("triaged_at"), output_field=DurationField())
    named = {name: value for name, value in columns.items() if name not in ("rule_id", "cwe")}
    if named:
        annotated = annotated.annotate(**named)
    grouped = (
        annotated.order_by()
        .values(*columns, "tool")
        .annotate(
            raised=Count("pk"),
            confirmed=Count("pk", filter=Q(triage=Finding.Triage.CONFIRMED)),
            false_positive=Count("pk", filter=Q(triage=Finding.Triage.FALSE_POSITIVE)),
            accepted_risk=Count("pk", filter=Q(triage=Finding.Triage.ACCEPTED_RISK)),
            triaged_count=Count("pk", filter=Q(triage__in=_TRIAGED, triaged_at__isnull=False)),
            mean_wait=Avg(waited, filter=Q(triage__in=_TRIAGED, triaged_at__isnull=False)),
            fixed_count=Count("pk", filter=fixed),
            mean_fix=Avg(to_fix, filter=fixed),
        )
    )
    result = Feedback(since=since, until=until, dimension=dimension, settings=settings)
    rows: dict[str, FeedbackRow] = {}
    for group in grouped:
        row = rows.setdefault(_key(dimension, group), FeedbackRow(key=_key(dimension, group)))
        row.raised += group["raised"]
        row.confirmed += group["confirmed"]
        row.false_positive += group["false_positive"]
        row.accepted_risk += group["accepted_risk"]
        if group["mean_wait"] is not None:
            seconds = max(group["mean_wait"].total_seconds(), 0.0)
            # Spread the mean over every triaged finding of the group (those without a date
            # are counted as triaged at once, a lower bound).
            row.triage_seconds_total += seconds * group["triaged_count"]
        if group["mean_fix"] is not None:
            row.fixed += group["fixed_count"]
            row.fix_seconds_total += group["mean_fix"].total_seconds() * group["fixed_count"]
        if group["tool"] is None:
            result.human_findings += group["raised"]
        else:
            result.ai_findings += group["raised"]
    result.rows = sorted(rows.values(), key=lambda row: (-row.raised, row.key))

    latest_revisions = (
        Revision.objects.filter(
            pull_request__repository__in=repositories,
            status=Revision.Status.READY,
            created_at__gte=start,
            created_at__lt=end,
        )
        .order_by()
        .values("pull_request_id")
        .annotate(last=Max("pk"))
        .values("last")
    )
    lines = Hunk.objects.filter(changed_file__revision__in=latest_revisions).aggregate(
        ai=Sum("added", filter=Q(authorship=Hunk.Authorship.AI)),
        human=Sum("added", filter=~Q(authorship=Hunk.Authorship.AI)),
    )
    result.ai_added_lines = lines["ai"] or 0
    result.human_added_lines = lines["human"] or 0

    declarations = (
        ChecklistItem.objects.filter(
            revision__in=latest_revisions,
            kind__in=(ChecklistItem.Kind.UNDECLARED, ChecklistItem.Kind.DECLARATION),
        )
        .order_by()
        .values("kind")
        .annotate(
            prs=Count("revision__pull_request_id", distinct=True),
            unanswered=Count(
                "revision__pull_request_id", distinct=True, filter=Q(answered_at__isnull=True)
            ),
        )
    )
    for entry in declarations:
        if entry["kind"] == ChecklistItem.Kind.UNDECLARED:
            result.undeclared_ai_prs = entry["prs"]
        else:
            result.missing_declaration_prs = entry["unanswered"]

    result.noisy_rules = noisy_rules(repositories, settings)
    if dimension == "rule":
        noisy = {rule.rule_id: rule for rule in result.noisy_rules}
        for row in result.rows:
            if row.key in noisy:
                row.noisy = True
                row.recent_precision = noisy[row.key].precision
    return result


def period_from(params: Mapping[str, str], *, days: int) -> tuple[datetime.date, datetime.date]:
    """`since`/`until` of a request (default: the last `days` days up to today); raises
    FeedbackError for a date that is not YYYY-MM-DD or a period that ends before it starts."""
    today = timezone.now().date()
    try:
        until = datetime.date.fromisoformat(params["until"]) if params.get("until") else today
        since = (
            datetime.date.fromisoformat(params["since"])
            if params.get("since")
            else until - datetime.timedelta(days=days - 1)
        )
    except ValueError:
        raise FeedbackError("give since and until as YYYY-MM-DD dates") from None
    if since > until:
        raise FeedbackError("since must not be after until")
    return since, until


def feedback_request(user: object, params: Mapping[str, str]) -> Feedback:
    """The numbers a page or API request asks for: `since`/`until` (default: the last 30 days),
    `dimension`, `repository` (owner/name, default every repository the user sees); raises
    FeedbackError."""
    since, until = period_from(params, days=FEEDBACK_DAYS)
    # Calibration exercises are practice: their planted flaws are no rule's real findings.
    repositories = repositories_for(user).exclude(  # type: ignore[arg-type]
        source=Repository.Source.CALIBRATION
    )
    settings = FeedbackSettings()
    wanted = params.get("repository", "")[:300]
    if wanted:
        repositories = repositories.filter(full_name=wanted)
        repository = repositories.first()
        if repository is None:
            raise FeedbackError(f"you see no repository {wanted}")
        try:
            settings = repository_policy(repository=repository).feedback
        except PolicyError:
            pass  # the built-in thresholds; the check run reports the broken file
    return feedback_numbers(
        repositories=repositories,
        since=since,
        until=until,
        dimension=params.get("dimension", "rule") or "rule",
        settings=settings,
    )


CSV_HEADER = (
    "dimension",
    "key",
    "raised",
    "confirmed",
    "false_positive",
    "accepted_risk",
    "open",
    "precision",
    "mean_hours_to_triage",
    "fixed",
    "mean_hours_to_fix",
    "noisy",
)


def feedback_csv_rows(feedback: Feedback) -> list[list[object]]:
    """The rows of the CSV download (cells still to be made spreadsheet-safe by the writer)."""
    return [
        [
            feedback.dimension,
            row.key,
            row.raised,
            row.confirmed,
            row.false_positive,
            row.accepted_risk,
            row.open,
            "" if row.precision is None else round(row.precision, 3),
            "" if row.triage_hours is None else round(row.triage_hours, 1),
            row.fixed,
            "" if row.fix_hours is None else round(row.fix_hours, 1),
            "yes" if row.noisy else "",
        ]
        for row in feedback.rows
    ]


def feedback_document(feedback: Feedback) -> dict[str, object]:
    """The numbers as the API gives them."""
    return {
        "since": feedback.since.isoformat(),
        "until": feedback.until.isoformat(),
        "dimension": feedback.dimension,
        "noisy_precision": feedback.settings.noisy_precision,
        "noisy_window": feedback.settings.noisy_window,
        "rows": [
            {
                "key": row.key,
                "raised": row.raised,
                "confirmed": row.confirmed,
                "false_positive": row.false_positive,
                "accepted_risk": row.accepted_risk,
                "open": row.open,
                "precision": row.precision,
                "mean_hours_to_triage": row.triage_hours,
                "fixed": row.fixed,
                "mean_hours_to_fix": row.fix_hours,
                "noisy": row.noisy,
            }
            for row in feedback.rows
        ],
        "ai_written": {
            "findings": feedback.ai_findings,
            "added_lines": feedback.ai_added_lines,
            "per_1000_lines": feedback.ai_per_kloc,
        },
        "human_written": {
            "findings": feedback.human_findings,
            "added_lines": feedback.human_added_lines,
            "per_1000_lines": feedback.human_per_kloc,
        },
        "undeclared_ai_pull_requests": feedback.undeclared_ai_prs,
        "missing_declaration_pull_requests": feedback.missing_declaration_prs,
        "noisy_rules": [
            {"rule_id": rule.rule_id, "precision": rule.precision, "triaged": rule.triaged}
            for rule in feedback.noisy_rules
        ],
    }
