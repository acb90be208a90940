"""Admin for the review workflow: profiles and approvals editable; checklist and audit read-only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reviewbench.reviews.models import Approval, AuditEvent, ChecklistItem, ReviewerProfile


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "github_login")
    search_fields = ("user__username", "github_login")
    raw_id_fields = ("user",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ("revision", "position", "kind", "key", "answered_by", "answered_at")
    list_filter = ("kind",)
    list_select_related = ("revision__pull_request__repository", "answered_by")
    search_fields = ("key",)


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    list_display = ("revision", "user", "created_at")
    list_select_related = ("revision__pull_request__repository", "user")
    raw_id_fields = ("revision", "user")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor", "pull_request", "revision")
    list_filter = ("action",)
    list_select_related = (
        "pull_request__repository",
        "revision__pull_request__repository",
        "actor",
    )
    search_fields = ("action",)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
