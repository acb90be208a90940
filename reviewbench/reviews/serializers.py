"""API shapes for the review workflow: rendering and input shape only; the rules live in services.

Every string rendered here may come from GitHub (titles, paths, messages) and is
attacker-controlled; JSON encoding escapes it and the models bound its size.
"""

from __future__ import annotations

from rest_framework import serializers

from findings.models import ChangedFile, Finding, PullRequest
from reviewbench.reviews.models import Approval, ChecklistItem
from reviewbench.reviews.services import ANSWER_MAX_LENGTH

TRIAGE_DECISIONS = [choice for choice in Finding.Triage.choices if choice[0] != Finding.Triage.OPEN]
TRIAGE_REASON_MAX_LENGTH = 5000


# --- output --------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class PullRequestListSerializer(serializers.ModelSerializer):
    """One row of the list, from the annotations of `selectors.pull_requests_visible_to`."""

    repository = serializers.CharField(source="repository.full_name")
    latest_revision_id = serializers.IntegerField(allow_null=True)
    latest_status = serializers.CharField(allow_null=True)
    latest_head_sha = serializers.CharField(allow_null=True)
    findings_total = serializers.IntegerField()
    findings_critical = serializers.IntegerField()
    findings_high = serializers.IntegerField()
    findings_medium = serializers.IntegerField()
    findings_low = serializers.IntegerField()
    findings_info = serializers.IntegerField()
    findings_confirmed = serializers.IntegerField()
    checklist_total = serializers.IntegerField()
    checklist_answered = serializers.IntegerField()
    approvals_count = serializers.IntegerField()

    class Meta:
        model = PullRequest
        fields = [
            "repository",
            "number",
            "title",
            "author_login",
            "state",
            "head_sha",
            "latest_revision_id",
            "latest_status",
            "latest_head_sha",
            "findings_total",
            "findings_critical",
            "findings_high",
            "findings_medium",
            "findings_low",
            "findings_info",
            "findings_confirmed",
            "checklist_total",
            "checklist_answered",
            "approvals_count",
        ]
        read_only_fields = fields


class ChangedFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangedFile
        fields = ["path", "status", "analysis", "analysis_note"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = [
            "id",
            "rule_id",
            "cwe",
            "severity",
            "confidence",
            "title",
            "message",
            "guidance",
            "path",
            "line",
            "triage",
            "triage_reason",
            "triage_expires_at",
        ]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.ModelSerializer):
    answered = serializers.BooleanField(source="is_answered", read_only=True)
    finding_id = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "key",
            "kind",
            "prompt",
            "finding_id",
            "answered",
            "answer",
            "outcome",
            "assumption_kind",
            "path",
            "line",
            "flagged",
            "flag_reason",
            "carried_over_from",
        ]
        read_only_fields = fields


class ApprovalSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.get_username", read_only=True)

    class Meta:
        model = Approval
        fields = ["username", "created_at"]
        read_only_fields = fields


class ReviewStateSerializer(serializers.Serializer):
    """`selectors.ReviewState` for the requesting user."""

    items_total = serializers.IntegerField()
    items_answered = serializers.IntegerField()
    can_approve = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    approved = serializers.BooleanField()


class RevisionDetailSerializer(serializers.Serializer):
    """`api.RevisionDetail`: the latest revision with what a reviewer needs to review it."""

    id = serializers.IntegerField(source="revision.pk")
    head_sha = serializers.CharField(source="revision.head_sha")
    status = serializers.CharField(source="revision.status")
    status_reason = serializers.CharField(source="revision.status_reason", allow_blank=True)
    files = ChangedFileSerializer(many=True)
    findings = FindingSerializer(many=True)
    checklist = ChecklistItemSerializer(many=True)
    approvals = ApprovalSerializer(many=True, source="state.approvals")
    review_state = ReviewStateSerializer(source="state")


class PullRequestDetailSerializer(serializers.Serializer):
    """`api.PullRequestDetail`: the pull request and its latest revision (null before analysis)."""

    repository = serializers.CharField(source="pull_request.repository.full_name")
    number = serializers.IntegerField(source="pull_request.number")
    title = serializers.CharField(source="pull_request.title", allow_blank=True)
    author_login = serializers.CharField(source="pull_request.author_login", allow_blank=True)
    state = serializers.CharField(source="pull_request.state")
    head_sha = serializers.CharField(source="pull_request.head_sha", allow_blank=True)
    latest_revision = RevisionDetailSerializer(allow_null=True)


# --- input ---------------------------------------------------------------------------------------


class AnswerInputSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=ANSWER_MAX_LENGTH, allow_blank=True)
    # Assumption challenges only: does the AI code's assumption hold?
    outcome = serializers.ChoiceField(
        choices=[c for c in ChecklistItem.Outcome.values if c], required=False, default=""
    )


class TriageInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=TRIAGE_DECISIONS)
    reason = serializers.CharField(
        max_length=TRIAGE_REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    expires_at = serializers.DateField(required=False, allow_null=True, default=None)
