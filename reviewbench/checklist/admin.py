"""Admin for the checklist: read-only (answers go through the review page's services)."""

from __future__ import annotations

from django.contrib import admin

from reviewbench.audit.admin import ReadOnlyAdmin
from reviewbench.checklist.models import ChecklistItem


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ("revision", "position", "kind", "key", "answered_by", "answered_at")
    list_filter = ("kind",)
    list_select_related = ("revision__pull_request__repository", "answered_by")
    search_fields = ("key",)
