"""Admin for the audit trail: read-only, never deleted."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reviewbench.audit.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that shows rows and never adds or changes them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


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
