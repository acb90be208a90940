"""Admin for installations (membership is managed here), the delivery log and published checks."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from github_app import jobs
from github_app.models import CheckRun, Installation, WebhookDelivery
from reviewbench.policy import PolicyError, policy_defaults_load


class InstallationForm(forms.ModelForm):
    class Meta:
        model = Installation
        fields = (
            "github_id",
            "account_login",
            "account_type",
            "suspended_at",
            "deleted_at",
            "members",
            "repositories",
            "policy_defaults",
        )

    def clean_policy_defaults(self) -> str:
        text = self.cleaned_data.get("policy_defaults") or ""
        try:
            policy_defaults_load(text)
        except PolicyError as error:
            # Shown as is: the message and line say exactly what to fix.
            raise forms.ValidationError(str(error), code="invalid_policy") from None
        return text


@admin.register(Installation)
class InstallationAdmin(admin.ModelAdmin):
    form = InstallationForm
    list_display = ("account_login", "github_id", "account_type", "suspended_at", "deleted_at")
    search_fields = ("account_login",)
    filter_horizontal = ("members", "repositories")
    readonly_fields = ("created_at",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "delivery_id",
        "event",
        "action",
        "repository_full_name",
        "status",
        "attempts",
        "received_at",
        "processed_at",
    )
    list_filter = ("status", "event")
    search_fields = ("delivery_id", "repository_full_name")
    actions = ["re_enqueue"]

    @admin.action(description="Re-enqueue selected deliveries")
    def re_enqueue(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            # Back to RECEIVED so process_delivery does not skip it as already processed.
            WebhookDelivery.objects.filter(pk__in=pks).update(
                status=WebhookDelivery.Status.RECEIVED, error=""
            )
            for pk in pks:
                jobs.enqueue_on_commit(jobs.PROCESS_DELIVERY, pk)
        self.message_user(request, f"Re-enqueued {len(pks)} deliveries.", messages.SUCCESS)


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyAdmin):
    list_display = (
        "revision",
        "github_id",
        "status",
        "conclusion",
        "annotations_sent",
        "published_at",
    )
    list_filter = ("status", "conclusion")
    list_select_related = ("revision__pull_request__repository",)
