"""Admin for access: which GitHub login a ReviewBench user has."""

from __future__ import annotations

from django.contrib import admin

from reviewbench.access.models import ReviewerProfile


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "github_login")
    search_fields = ("user__username", "github_login")
    raw_id_fields = ("user",)
