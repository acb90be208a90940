"""Admin for approvals: group teams editable; approvals and exceptions read-only where the
workflow decides them."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reviewbench.approvals.models import Approval, BoundaryException, GroupTeam


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    list_display = ("revision", "user", "stale", "group_names", "carried_over_from", "created_at")
    list_filter = ("stale",)
    list_select_related = ("revision__pull_request__repository", "user")
    raw_id_fields = ("revision", "user")
    # What an approval covered and whether it still counts is the workflow's to decide, not an
    # admin's: editing it here would open or close the merge gate without an audit event.
    readonly_fields = ("covered_hashes", "groups", "stale", "carried_over_from", "created_at")

    @admin.display(description="groups")
    def group_names(self, obj: Approval) -> str:
        return ", ".join(str(group) for group in obj.groups or ())


@admin.register(GroupTeam)
class GroupTeamAdmin(admin.ModelAdmin):
    list_display = ("group", "team_slug_list")
    list_select_related = ("group",)
    search_fields = ("group__name",)

    @admin.display(description="GitHub team slugs")
    def team_slug_list(self, obj: GroupTeam) -> str:
        return ", ".join(str(slug) for slug in obj.team_slugs or ())


@admin.register(BoundaryException)
class BoundaryExceptionAdmin(admin.ModelAdmin):
    list_display = ("pull_request", "path", "group", "state", "requested_by", "decided_by")
    list_filter = ("state", "group")
    list_select_related = ("pull_request__repository", "requested_by", "decided_by")
    search_fields = ("path", "group")
    # Requests and decisions go through the review page's services (rules and audit events);
    # editing them here would open the merge gate with no record of who granted what.
    readonly_fields = (
        "pull_request",
        "path",
        "group",
        "state",
        "reason",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_note",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
