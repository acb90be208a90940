"""The leads' queue: every open pull request awaiting review, its numbers, and SLA breach notices.

Reads are one annotated Revision queryset (the latest READY revision of each open pull request
that is not yet approved), so the page costs a constant number of queries however long the queue
is. Group satisfaction is computed in SQL over the JSON group lists (PostgreSQL `jsonb`); the
charts use only portable aggregates (TruncDate, TruncWeek, Count).
"""

from __future__ import annotations

import json
import logging
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.mail import send_mail
from django.db import connection, transaction
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
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncWeek
from django.urls import reverse

from findings.models import Finding, PullRequest, Repository, Revision
from reviewbench.reviews.models import Approval, ChecklistItem, RevisionPolicy, SlaBreachNotice
from reviewbench.reviews.text import one_line

logger = logging.getLogger(__name__)

SEVERITIES = ("critical", "high", "medium", "low", "info")
STATES = ("awaiting", "breached", "failing")
CHART_DAYS = 30
FILTER_VALUE_LIMIT = 200
MAIL_TITLE_LIMIT = 150

# Every kind but triage is answered by a reviewer's text; a triage item by its finding's decision.
_ANSWERED_ITEM = (~Q(kind=ChecklistItem.Kind.TRIAGE) & Q(answered_at__isnull=False)) | (
    Q(kind=ChecklistItem.Kind.TRIAGE, finding__isnull=False)
    & ~Q(finding__triage=Finding.Triage.OPEN)
)

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
""",  # noqa: S608 - model table names only
    "sqlite": f"""
    FROM {_POLICY} p, json_each(p.required_groups) AS g
    WHERE p.revision_id = "{_REVISION}"."id"
      AND NOT EXISTS (
        SELECT 1 FROM {_APPROVAL} a, json_each(a.groups) AS ag
        WHERE a.revision_id = p.revision_id AND NOT a.stale AND ag.value = g.value
      )
""",  # noqa: S608 - model table names only
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
    return f"SELECT json_group_array(name) FROM (SELECT {name} AS name {source} ORDER BY name)"  # noqa: S608 - constants only


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
        condition, params = f"{name} = ANY(%s)", (list(names),)
    else:
        condition = f"{name} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - constant
        params = (json.dumps(list(names)),)
    return RawSQL(  # noqa: S611 - model table names only; the groups are a bound parameter
        f"EXISTS (SELECT 1 {source} AND {condition})", params, output_field=BooleanField()
    )


SORTS: dict[str, tuple] = {
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


def _count(queryset: QuerySet) -> Coalesce:
    counted = (
        queryset.order_by().values("revision_id").annotate(total=Count("pk")).values("total")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _awaiting_review(*, now: datetime) -> QuerySet[Revision]:
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
                RawSQL(  # noqa: S611 - model table names only
                    _missing_groups_sql(), (), output_field=JSONField()
                ),
                Value([], output_field=JSONField()),
            ),
            missing_groups_count=RawSQL(  # noqa: S611 - model table names only
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
            checklist_answered=_count(items.filter(_ANSWERED_ITEM)),
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


def _visible(queryset: QuerySet[Revision], user: AbstractBaseUser) -> QuerySet[Revision]:
    # EXISTS rather than a join: a repository in two of the user's installations stays one row.
    member = Repository.objects.filter(
        pk=OuterRef("pull_request__repository_id"), installations__members=user
    )
    return queryset.filter(Exists(member))


def user_group_names(user: AbstractBaseUser) -> list[str]:
    return sorted(Group.objects.filter(user=user).values_list("name", flat=True))


def queue_for_user(
    *,
    user: AbstractBaseUser,
    filters: QueueFilters,
    now: datetime,
    group_names: Sequence[str] | None = None,
) -> QuerySet[Revision]:
    """The user's queue: filtered, sorted, approvals prefetched; one query per page (+1)."""
    rows = _visible(_awaiting_review(now=now), user)
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


def queue_filter_choices(*, user: AbstractBaseUser) -> tuple[list[str], list[str]]:
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


# --- charts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One chart's numbers: a label per bar and, per bar, a value per stack key."""

    title: str
    unit: str
    labels: tuple[str, ...]
    keys: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]  # values[bar][key]


def _timeline(user: AbstractBaseUser) -> QuerySet[Revision]:
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


def chart_queue_size(*, user: AbstractBaseUser, now: datetime, days: int = CHART_DAYS) -> Series:
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


def chart_time_to_approval(
    *, user: AbstractBaseUser, now: datetime, days: int = CHART_DAYS
) -> Series:
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


def chart_sla_breaches(*, user: AbstractBaseUser, now: datetime, days: int = CHART_DAYS) -> Series:
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


@dataclass(frozen=True)
class SvgRect:
    x: float
    y: float
    width: float
    height: float
    key_index: int
    title: str


@dataclass(frozen=True)
class SvgChart:
    """A series laid out as stacked bars in a fixed viewBox; the template only draws it."""

    title: str
    width: int
    height: int
    rects: tuple[SvgRect, ...]
    labels: tuple[tuple[float, str], ...]
    keys: tuple[tuple[int, str], ...]
    maximum: float
    empty: bool = field(default=False)


def svg_chart(series: Series, *, width: int = 600, height: int = 180) -> SvgChart:
    """Geometry for stacked bars; labels stay text and are escaped by the template."""
    top, bottom = 10.0, 30.0
    plot = height - top - bottom
    totals = [sum(bar) for bar in series.values]
    maximum = max(totals, default=0.0)
    slot = width / max(len(series.labels), 1)
    rects: list[SvgRect] = []
    for index, bar in enumerate(series.values):
        y = top + plot
        for key_index, value in enumerate(bar):
            if value <= 0 or maximum <= 0:
                continue
            h = plot * value / maximum
            y -= h
            rects.append(
                SvgRect(
                    x=round(index * slot + slot * 0.15, 2),
                    y=round(y, 2),
                    width=round(slot * 0.7, 2),
                    height=round(h, 2),
                    key_index=key_index % 6,
                    title=f"{series.labels[index]} · {series.keys[key_index]}: "
                    f"{value:g} {series.unit}",
                )
            )
    step = max(1, len(series.labels) // 10)
    labels = tuple(
        (round(index * slot + slot / 2, 2), label)
        for index, label in enumerate(series.labels)
        if index % step == 0
    )
    return SvgChart(
        title=series.title,
        width=width,
        height=height,
        rects=tuple(rects),
        labels=labels,
        keys=tuple((index % 6, key) for index, key in enumerate(series.keys)),
        maximum=maximum,
        empty=maximum <= 0,
    )


# --- the SLA breach notice (the queue's one write) -----------------------------------------------


def _recipients(*, revision: Revision, missing_groups: Sequence[str]) -> list[str]:
    # Only members of the repository's own installations: a group spanning tenants must never
    # learn another tenant's pull request titles.
    users = (
        get_user_model()
        .objects.filter(
            installations__in=revision.pull_request.repository.installations.all(),
            is_active=True,
        )
        .exclude(email="")
    )
    if missing_groups:
        users = users.filter(groups__name__in=list(missing_groups))
    return sorted(set(users.values_list("email", flat=True)))


def sla_breach_notify(*, revision_id: int, now: datetime) -> SlaBreachNotice | None:
    """E-mail who is missing on one breached revision and record the notice, once per breach."""
    with transaction.atomic():
        # The row lock serialises two workers on the same revision; the second sees the notice.
        Revision.objects.select_for_update().filter(pk=revision_id).first()
        if SlaBreachNotice.objects.filter(revision_id=revision_id).exists():
            return None
        row = _awaiting_review(now=now).filter(pk=revision_id, breached=True).first()
        if row is None:
            return None
        recipients = _recipients(revision=row, missing_groups=row.missing_groups)
        pull_request = row.pull_request
        repository = pull_request.repository
        owner, _, name = repository.full_name.partition("/")
        link = settings.REVIEWBENCH_BASE_URL + reverse(
            "reviews:pull_request_detail",
            kwargs={"owner": owner, "name": name, "number": pull_request.number},
        )
        title = one_line(pull_request.title, MAIL_TITLE_LIMIT)
        where = f"{one_line(repository.full_name, 200)}#{pull_request.number}"
        missing = ", ".join(one_line(g, 100) for g in row.missing_groups) or "any reviewer"
        if recipients:
            send_mail(
                subject=f"[ReviewBench] SLA breached: {where} {title}",
                message=(
                    f"The review of {where} ({title}) breached its SLA of "
                    f"{row.policy.sla_hours} hours at {row.sla_deadline:%Y-%m-%d %H:%M} UTC.\n"
                    f"Approvals: {row.approvals_given} of {row.required_count}; "
                    f"still needed from: {missing}.\n\n{link}\n"
                ),
                from_email=None,
                recipient_list=recipients,
                fail_silently=False,
            )
        else:
            logger.warning(
                "reviews.sla.no_recipients",
                extra={"revision_id": revision_id, "groups": row.missing_groups},
            )
        notice = SlaBreachNotice.objects.create(
            revision_id=revision_id, breached_at=row.sla_deadline, recipients=recipients
        )
    logger.info(
        "reviews.sla.notified",
        extra={"revision_id": revision_id, "recipients": len(recipients)},
    )
    return notice


def sla_breaches_notify(*, now: datetime) -> int:
    """Notify every breached revision awaiting review that has no notice yet; returns how many."""
    pending = (
        _awaiting_review(now=now)
        .filter(breached=True)
        .filter(~Exists(SlaBreachNotice.objects.filter(revision_id=OuterRef("pk"))))
        .order_by("sla_deadline", "pk")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in list(pending) if sla_breach_notify(revision_id=pk, now=now) is not None)
