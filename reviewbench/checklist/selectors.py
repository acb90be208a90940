"""Reads of the checklist: a revision's items in order, its sections and how far it is answered."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from findings.models import Finding, PullRequest, Revision
from reviewbench.checklist.build import SECTION_OF_KIND, SECTIONS
from reviewbench.checklist.models import ChecklistItem

# Every kind but triage is answered by a reviewer's text; a triage item by its finding's decision.
ANSWERED_ITEM = (~Q(kind=ChecklistItem.Kind.TRIAGE) & Q(answered_at__isnull=False)) | (
    Q(kind=ChecklistItem.Kind.TRIAGE, finding__isnull=False)
    & ~Q(finding__triage=Finding.Triage.OPEN)
)


@dataclass(frozen=True)
class ChecklistSection:
    name: str
    title: str
    items: tuple[ChecklistItem, ...]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def answered(self) -> int:
        return sum(1 for item in self.items if item.is_answered)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100


def checklist_sections(items: list[ChecklistItem]) -> list[ChecklistSection]:
    """The loaded checklist split into its four sections, in order (empty ones left out)."""
    grouped: dict[str, list[ChecklistItem]] = {name: [] for name, _title in SECTIONS}
    for item in items:
        grouped[SECTION_OF_KIND.get(item.kind, "comprehension")].append(item)
    return [
        ChecklistSection(name=name, title=title, items=tuple(grouped[name]))
        for name, title in SECTIONS
        if grouped[name]
    ]


def checklist_item_for_pull_request(
    *, pull_request: PullRequest, item_id: int
) -> ChecklistItem | None:
    """One checklist item of the pull request, with what its partial shows joined."""
    return (
        ChecklistItem.objects.filter(pk=item_id, revision__pull_request=pull_request)
        .select_related("finding", "changed_file", "answered_by", "revision__pull_request")
        .first()
    )


def revision_checklist(revision: Revision) -> list[ChecklistItem]:
    """The revision's checklist, in order, with findings, files and answerers joined."""
    return list(
        ChecklistItem.objects.filter(revision=revision)
        .select_related("finding", "changed_file", "answered_by")
        .order_by("position", "id")
    )


def revision_to_carry_from(revision: Revision) -> Revision | None:
    """The latest earlier revision of the same pull request that has answered checklist items
    (a failed push in between has no checklist and must not break the carry-over)."""
    return (
        Revision.objects.filter(pull_request_id=revision.pull_request_id)
        .filter(
            Q(created_at__lt=revision.created_at)
            | Q(created_at=revision.created_at, id__lt=revision.id)
        )
        .exclude(pk=revision.pk)
        .filter(checklist_items__answered_at__isnull=False)
        .order_by("-created_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class ChecklistCounts:
    total: int
    answered: int

    @property
    def complete(self) -> bool:
        return self.answered == self.total


def checklist_counts(revision: Revision) -> ChecklistCounts:
    """How many items the revision's checklist has and how many are answered (one query)."""
    counts = ChecklistItem.objects.filter(revision=revision).aggregate(
        total=Count("pk"), answered=Count("pk", filter=ANSWERED_ITEM)
    )
    return ChecklistCounts(total=counts["total"], answered=counts["answered"])
