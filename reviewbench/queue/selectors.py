"""The leads' queue: every open pull request awaiting review, its numbers, and its charts.

Reads are one annotated Revision queryset (the latest READY revision of each open pull request
that is not yet approved), so the page costs a constant number of queries however long the queue
is. Group satisfaction is computed in SQL over the JSON group lists (PostgreSQL `jsonb`, SQLite
JSON1); the charts use only portable aggregates (TruncDate, TruncWeek, Count).
"""

from __future__ import annotations

import json
import logging
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    JSONField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import OrderBy, RawSQL
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncWeek

from findings.models import Finding, PullRequest, Repository, Revision
from reviewbench.approvals.models import Approval, RevisionPolicy
from reviewbench.charts import Series
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.selectors import ANSWERED_ITEM
from reviewbench.queue.models import SlaBreachNotice

logger = logging.getLogger(__name__)


SEVERITIES = ("critical", "high", "medium", "low", "info")


STATES = ("awaiting", "breached", "failing")


CHART_DAYS = 30


FILTER_VALUE_LIMIT = 200


# Table names come from the models, never from input; the only parameter is the user's groups.
_REVISION = Revision._meta.db_table


_POLICY = RevisionPolicy._meta.db_table


_APPROVAL = Approval._meta.db_table


# Required groups of a revision's policy that no non-stale approver belongs to. The same rule in
# the two dialects ReviewBench runs on: PostgreSQL (jsonb) in production and the tests, SQLite
# (JSON1) in the embedded default. `{name}` is the group-name column of the row source.
_UNSATISFIED_GROUPS_FROM = {
    "postgresql": f"""
    FROM {_POLICY} p
    CROSS JOIN LATERAL jsonb_array_elements_text(p.required_groups) AS g(name)
    WHERE p.revision_id = "{_REVISION}"."id"
      AND NOT EXISTS (
        SELECT 1 FROM {_APPROVAL} a
        WHERE a.revision_id = p.revision_id AND NOT a.stale
          AND a.groups @> jsonb_build_array(g.name)
      )
""",  # noqa: S608 - model table names only  # nosec B608
    "sqlite": f"""
    FROM {_POLICY} p, json_each(p.required_groups) AS g
    WHERE p.revision_id = "{_REVISION}"."id"
      AND NOT EXISTS (
        SELECT 1 FROM {_APPROVAL} a, json_each(a.groups) AS ag
        WHERE a.revision_id = p.revision_id AND NOT a.stale AND ag.value = g.value
      )
""",  # noqa: S608 - model table names only  # nosec B608
}


_GROUP_NAME = {"postgresql": "g.name", "sqlite": "g.value"}


def _dialect() -> str:
    vendor = connection.vendor
    if vendor not in _UNSATISFIED_GROUPS_FROM:
        raise NotImplementedError(f"the queue supports PostgreSQL and SQLite, not {vendor}")
    return vendor


def _missing_groups_sql() -> str:
    dialect = _dialect()
    source, name = _UNSATISFIED_GROUPS_FROM[dialect], _GROUP_NAME[dialect]
    if dialect == "postgresql":
        return f"SELECT jsonb_agg({name} ORDER BY {name}) {source}"
    return f"SELECT json_group_array(name) FROM (SELECT {name} AS name {source} ORDER BY name)"  # noqa: S608 - constants only  # nosec B608


def _sla_duration(one_hour: Value) -> ExpressionWrapper:
    """The policy's SLA as a duration: an interval in PostgreSQL, microseconds in SQLite."""
    if _dialect() == "postgresql":
        hours = F("policy__sla_hours") * one_hour
    else:
        # SQLite keeps durations as integer microseconds and cannot multiply an interval.
        hours = F("policy__sla_hours") * Value(3_600_000_000)
    return ExpressionWrapper(hours, output_field=DurationField())


def _waiting_on_groups(names: Sequence[str]) -> RawSQL:
    """True where one of `names` is a required group still without an approver."""
    dialect = _dialect()
    source, name = _UNSATISFIED_GROUPS_FROM[dialect], _GROUP_NAME[dialect]
    if dialect == "postgresql":
        condition = f"{name} = ANY(%s)"
        params: tuple[object, ...] = (list(names),)
    else:
        condition = f"{name} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - constant  # nosec B608
        params = (json.dumps(list(names)),)
    return RawSQL(  # noqa: S611 - model table names only; the groups are a bound parameter  # nosec B611
        f"EXISTS (SELECT 1 {source} AND {condition})", params, output_field=BooleanField()
    )


SORTS: dict[str, tuple[OrderBy, ...]] = {
    "age": (F("ready_at").asc(), F("pk").asc()),
    "-age": (F("ready_at").desc(), F("pk").desc()),
    "sla": (F("sla_deadline").asc(nulls_last=True), F("ready_at").asc(), F("pk").asc()),
    "tier": (F("tier_level").desc(), F("ready_at").asc(), F("pk").asc()),
    "ai": (F("ai_share").desc(nulls_last=True), F("ready_at").asc(), F("pk").asc()),
    "findings": (F("open_findings").desc(), F("ready_at").asc(), F("pk").asc()),
}


SORT_LABELS = {
    "age": "Oldest first",
    "-age": "Newest first",
    "sla": "SLA remaining",
    "tier": "Tier level",
    "ai": "AI share",
    "findings": "Open findings",
}


@dataclass(frozen=True)
class QueueFilters:
    """What the lead asked for; every value is bounded and checked against a fixed set."""

    repository: str = ""
    tier: str = ""
    state: str = ""
    breached_only: bool = False
    my_groups: bool = False
    sort: str = "age"

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> QueueFilters:
        state = params.get("state", "")
        sort = params.get("sort", "age")
        return cls(
            repository=str(params.get("repository", ""))[:FILTER_VALUE_LIMIT],
            tier=str(params.get("tier", ""))[:FILTER_VALUE_LIMIT],
            state=state if state in STATES else "",
            breached_only=params.get("breached") in ("1", "on", "true"),
            my_groups=params.get("mine") in ("1", "on", "true"),
            sort=sort if sort in SORTS else "age",
        )


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = (
        queryset.order_by().values("revision_id").annotate(total=Count("pk")).values("total")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# The queue's rows are Revisions annotated with its figures (tier_name, tier_level, ai_share,
# checklist_answered, approvals_given, required_count, missing_groups, ready_at, sla_deadline,
# breached, failing); typed Any because the stubs cannot follow annotations through filters.
def awaiting_review(*, now: datetime) -> QuerySet[Any]:
    """Latest READY revisions of open pull requests that are not approved yet, annotated."""
    newer = Revision.objects.filter(pull_request_id=OuterRef("pull_request_id")).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    open_findings = Finding.objects.filter(
        revision_id=OuterRef("pk"), pre_existing=False, triage=Finding.Triage.OPEN
    )
    items = ChecklistItem.objects.filter(revision_id=OuterRef("pk"))
    one_hour = Value(timedelta(hours=1), output_field=DurationField())
    return (
        Revision.objects.filter(
            status=Revision.Status.READY, pull_request__state=PullRequest.State.OPEN
        )
        .filter(~Exists(newer))
        .select_related("pull_request__repository", "policy")
        .annotate(
            ready_at=Coalesce("finished_at", "created_at"),
            tier_name=Coalesce("policy__tier", Value("")),
            tier_level=Coalesce("policy__level", Value(0)),
            required_count=Coalesce("policy__required_approvals", Value(1)),
            approvals_given=_count(
                Approval.objects.filter(revision_id=OuterRef("pk"), stale=False)
            ),
            missing_groups=Coalesce(
                RawSQL(  # noqa: S611 - model table names only  # nosec B611
                    _missing_groups_sql(), (), output_field=JSONField()
                ),
                Value([], output_field=JSONField()),
            ),
            missing_groups_count=RawSQL(  # noqa: S611 - model table names only  # nosec B611
                f"SELECT count(*) {_UNSATISFIED_GROUPS_FROM[_dialect()]}",
                (),
                output_field=IntegerField(),
            ),
            confirmed_findings=_count(
                Finding.objects.filter(
                    revision_id=OuterRef("pk"),
                    pre_existing=False,
                    triage=Finding.Triage.CONFIRMED,
                )
            ),
            open_findings=_count(open_findings),
            **{f"open_{s}": _count(open_findings.filter(severity=s)) for s in SEVERITIES},
            checklist_total=_count(items),
            checklist_answered=_count(items.filter(ANSWERED_ITEM)),
            ai_share=Case(
                When(
                    additions__gt=0,
                    then=ExpressionWrapper(
                        Value(100.0) * Cast("ai_added_lines", FloatField()) / F("additions"),
                        output_field=FloatField(),
                    ),
                ),
                default=None,
                output_field=FloatField(),
            ),
            sla_deadline=ExpressionWrapper(
                F("ready_at") + _sla_duration(one_hour),
                output_field=DateTimeField(),
            ),
        )
        .annotate(
            breached=Case(
                When(sla_deadline__lt=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            failing=Case(
                When(Q(policy__error__gt="") | Q(confirmed_findings__gt=0), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .filter(Q(approvals_given__lt=F("required_count")) | Q(missing_groups_count__gt=0))
    )


def _visible(queryset: QuerySet[Any], user: User) -> QuerySet[Any]:
    # EXISTS rather than a join: a repository in two of the user's installations stays one row.
    member = Repository.objects.filter(
        pk=OuterRef("pull_request__repository_id"), installations__members=user
    )
    return queryset.filter(Exists(member))


def user_group_names(user: User) -> list[str]:
    return sorted(Group.objects.filter(user=user).values_list("name", flat=True))


def queue_for_user(
    *,
    user: User,
    filters: QueueFilters,
    now: datetime,
    group_names: Sequence[str] | None = None,
) -> QuerySet[Any]:
    """The user's queue: filtered, sorted, approvals prefetched; one query per page (+1)."""
    rows = _visible(awaiting_review(now=now), user)
    if filters.repository:
        rows = rows.filter(pull_request__repository__full_name=filters.repository)
    if filters.tier:
        rows = rows.filter(tier_name=filters.tier)
    if filters.state == "breached" or filters.breached_only:
        rows = rows.filter(breached=True)
    if filters.state == "failing":
        rows = rows.filter(failing=True)
    if filters.state == "awaiting":
        rows = rows.filter(breached=False, failing=False)
    if filters.my_groups:
        names = list(group_names if group_names is not None else user_group_names(user))
        rows = rows.annotate(waiting_on_me=_waiting_on_groups(names)).filter(waiting_on_me=True)
    fresh = Approval.objects.filter(stale=False).select_related("user").order_by("created_at", "id")
    return rows.prefetch_related(
        Prefetch("approvals", queryset=fresh, to_attr="fresh_approvals")
    ).order_by(*SORTS[filters.sort])


def queue_filter_choices(*, user: User) -> tuple[list[str], list[str]]:
    """Repositories and tiers the filter menus offer: the user's own, nothing else (2 queries)."""
    repositories = list(
        Repository.objects.filter(installations__members=user)
        .order_by("full_name")
        .values_list("full_name", flat=True)
        .distinct()
    )
    tiers = list(
        RevisionPolicy.objects.filter(
            revision__pull_request__repository__installations__members=user
        )
        .exclude(tier="")
        .order_by("level", "tier")
        .values_list("tier", "level")
        .distinct()
    )
    return repositories, list(dict.fromkeys(name for name, _level in tiers))


def _timeline(user: User) -> QuerySet[Any]:
    """Every revision that entered review, with when it left the queue (approved, pushed over,
    closed); approval is the last fresh approval once the required count was reached."""
    fresh = Approval.objects.filter(revision_id=OuterRef("pk"), stale=False).order_by()
    later = Revision.objects.filter(
        pull_request_id=OuterRef("pull_request_id"), created_at__gt=OuterRef("created_at")
    ).order_by()
    revisions = Revision.objects.filter(
        Q(status=Revision.Status.READY)
        | Q(status=Revision.Status.SUPERSEDED, finished_at__isnull=False)
    )
    return (
        _visible(revisions, user)
        .annotate(
            ready_at=Coalesce("finished_at", "created_at"),
            tier_name=Coalesce("policy__tier", Value("")),
            fresh_count=_count(fresh),
            approved_at=Case(
                When(
                    fresh_count__gte=Coalesce("policy__required_approvals", Value(1)),
                    then=Subquery(
                        fresh.values("revision_id").annotate(at=Max("created_at")).values("at")[:1]
                    ),
                ),
                default=None,
                output_field=DateTimeField(),
            ),
            superseded_at=Subquery(
                later.values("pull_request_id").annotate(at=Min("created_at")).values("at")[:1],
                output_field=DateTimeField(),
            ),
            closed_at=Case(
                When(
                    ~Q(pull_request__state=PullRequest.State.OPEN),
                    then=F("pull_request__updated_at"),
                ),
                default=None,
                output_field=DateTimeField(),
            ),
        )
        .annotate(left_at=Coalesce("approved_at", "superseded_at", "closed_at"))
    )


def _days(now: datetime, days: int) -> list[date]:
    today = now.date()
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def chart_queue_size(*, user: User, now: datetime, days: int = CHART_DAYS) -> Series:
    """Pull requests waiting at the end of each day, by tier: backlog + arrivals - departures."""
    day_list = _days(now, days)
    start = datetime.combine(day_list[0], datetime.min.time(), tzinfo=now.tzinfo)
    timeline = _timeline(user)
    backlog = dict(
        timeline.filter(ready_at__lt=start)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=start))
        .values("tier_name")
        .annotate(n=Count("id"))
        .values_list("tier_name", "n")
    )
    arrivals = (
        timeline.filter(ready_at__gte=start)
        .annotate(day=TruncDate("ready_at"))
        .values("day", "tier_name")
        .annotate(n=Count("id"))
        .values_list("day", "tier_name", "n")
    )
    departures = (
        timeline.filter(left_at__gte=start)
        .annotate(day=TruncDate("left_at"))
        .values("day", "tier_name")
        .annotate(n=Count("id"))
        .values_list("day", "tier_name", "n")
    )
    delta: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, tier, n in arrivals:
        delta[day][tier] += n
    for day, tier, n in departures:
        delta[day][tier] -= n
    tiers = sorted({*backlog, *(t for d in delta.values() for t in d)})
    running = {tier: backlog.get(tier, 0) for tier in tiers}
    values = []
    for day in day_list:
        for tier, change in delta.get(day, {}).items():
            running[tier] += change
        values.append(tuple(float(running[tier]) for tier in tiers))
    return Series(
        title="Queue size by tier (last 30 days)",
        unit="PRs",
        labels=tuple(day.strftime("%m-%d") for day in day_list),
        keys=tuple(tier or "no tier" for tier in tiers),
        values=tuple(values),
    )


def chart_time_to_approval(*, user: User, now: datetime, days: int = CHART_DAYS) -> Series:
    """Median hours from ready to approved, by tier, over revisions approved in the window."""
    waited = (
        _timeline(user)
        .filter(approved_at__gte=now - timedelta(days=days))
        .annotate(
            waited=ExpressionWrapper(F("approved_at") - F("ready_at"), output_field=DurationField())
        )
        .values_list("tier_name", "waited")
    )
    by_tier: dict[str, list[float]] = defaultdict(list)
    for tier, duration in waited:
        by_tier[tier].append(max(duration.total_seconds(), 0) / 3600)
    tiers = sorted(by_tier)
    return Series(
        title="Time to approval by tier (median hours, last 30 days)",
        unit="h",
        labels=tuple(tier or "no tier" for tier in tiers),
        keys=("median",),
        values=tuple((round(statistics.median(by_tier[tier]), 1),) for tier in tiers),
    )


def chart_sla_breaches(*, user: User, now: datetime, days: int = CHART_DAYS) -> Series:
    """SLA breaches per week (weeks start on Monday) over the window."""
    start = now - timedelta(days=days)
    member = Repository.objects.filter(
        pk=OuterRef("revision__pull_request__repository_id"), installations__members=user
    )
    counts = dict(
        SlaBreachNotice.objects.filter(Exists(member), breached_at__gte=start)
        .annotate(week=TruncWeek("breached_at"))
        .values("week")
        .annotate(n=Count("id"))
        .values_list("week", "n")
    )
    counts_by_day = {
        week.date() if isinstance(week, datetime) else week: n for week, n in counts.items()
    }
    first = start.date() - timedelta(days=start.weekday())
    weeks = []
    while first <= now.date():
        weeks.append(first)
        first += timedelta(days=7)
    return Series(
        title="SLA breaches per week",
        unit="breaches",
        labels=tuple(week.strftime("%m-%d") for week in weeks),
        keys=("breaches",),
        values=tuple((float(counts_by_day.get(week, 0)),) for week in weeks),
    )
