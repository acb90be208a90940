"""API shapes for the review workflow: rendering and input shape only; the rules live in services.

Every string rendered here may come from GitHub (titles, paths, messages) and is
attacker-controlled; JSON encoding escapes it and the models bound its size.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from findings.models import ChangedFile, Finding, Hunk, PullRequest, Revision
from reviewbench.approvals.models import Approval
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import ANSWER_MAX_LENGTH

TRIAGE_DECISIONS = [choice for choice in Finding.Triage.choices if choice[0] != Finding.Triage.OPEN]
TRIAGE_REASON_MAX_LENGTH = 5000


# --- output --------------------------------------------------------------------------------------


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


class SecurePromptSerializer(serializers.Serializer):
    family = serializers.CharField(help_text="The family of flaw, e.g. sqli, path-traversal.")
    title = serializers.CharField(help_text="The family's name, e.g. SQL injection.")
    language = serializers.CharField(help_text="python, javascript, java, go, or default.")
    text = serializers.CharField()


class FindingSerializer(serializers.ModelSerializer):
    secure_prompt = serializers.SerializerMethodField(
        help_text="The instruction that, given to the AI assistant, would have avoided this "
        "finding: its family of flaw, the language of the text, and the text."
    )

    @extend_schema_field(SecurePromptSerializer)
    def get_secure_prompt(self, finding: Finding) -> dict[str, str]:
        prompt = finding.secure_prompt
        return {
            "family": prompt.family,
            "title": prompt.title,
            "language": prompt.language,
            "text": prompt.text,
        }

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
            "secure_prompt",
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
    # What the question is about: an answer must name at least one of these.
    expected_terms = serializers.ListField(child=serializers.CharField(), read_only=True)

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
            "expected_terms",
            "rationale",
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


# --- revisions, hunks and findings in full ------------------------------------------------------

# Provenance JSON is written by our own analysis (findings.engine.provenance), never taken from a
# request; its strings still came from GitHub (commit trailers, labels) and JSON encoding
# escapes them.
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}


@extend_schema_field({"type": "array", "items": STRING_MAP})
class EvidenceField(serializers.JSONField):
    """A list of evidence or signal records: `{"kind": ..., "detail"/"lines": ..., "tool": ...}`."""


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class ToolsField(serializers.JSONField):
    """The AI tools named by the evidence."""


# Its own schema component: the enum extracted from a field named `status` would collide with
# ChangedFile's `status` enum (settings hold no ENUM_NAME_OVERRIDES).
@extend_schema_field(
    {"type": "string", "enum": Revision.Status.values}, component_name="RevisionStatus"
)
class RevisionStatusField(serializers.CharField):
    """The revision's analysis status."""


class RevisionSummarySerializer(serializers.ModelSerializer):
    """One revision with its AI share and counts, from `api.revisions_with_counts` annotations.

    `findings_total` counts new findings (not pre-existing ones), as the pull request list does.
    """

    repository = serializers.CharField(source="pull_request.repository.full_name", read_only=True)
    pull_request_number = serializers.IntegerField(source="pull_request.number", read_only=True)
    status = RevisionStatusField(read_only=True)
    ai_share = serializers.SerializerMethodField()
    ai_tools = ToolsField(read_only=True)
    ai_signals = EvidenceField(read_only=True)
    findings_total = serializers.IntegerField(read_only=True)
    checklist_total = serializers.IntegerField(read_only=True)
    checklist_answered = serializers.IntegerField(read_only=True)

    class Meta:
        model = Revision
        fields = [
            "id",
            "repository",
            "pull_request_number",
            "head_sha",
            "base_sha",
            "status",
            "status_reason",
            "analyzer_version",
            "created_at",
            "finished_at",
            "additions",
            "deletions",
            "ai_added_lines",
            "ai_share",
            "ai_tools",
            "ai_signals",
            "carried_from",
            "carried_files",
            "findings_total",
            "checklist_total",
            "checklist_answered",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True, min_value=0, max_value=1))
    def get_ai_share(self, revision: Revision) -> float | None:
        if not revision.additions:
            return None
        # Rounded so clients compare shares, not float noise; capped in case counts disagree.
        return round(min(revision.ai_added_lines / revision.additions, 1.0), 4)


HUNK_FIELDS = [
    "id",
    "index",
    "source_start",
    "source_length",
    "target_start",
    "target_length",
    "section_header",
    "content",
    "content_hash",
    "added",
    "removed",
    "authorship",
    "ai_tool",
    "ai_evidence",
]


class HunkSerializer(serializers.ModelSerializer):
    """A hunk inside its file; `content` keeps the unified-diff lines with their prefixes."""

    ai_evidence = EvidenceField(read_only=True)

    class Meta:
        model = Hunk
        fields = HUNK_FIELDS
        read_only_fields = fields


class HunkRowSerializer(HunkSerializer):
    """A hunk listed on its own: it names its file."""

    path = serializers.CharField(source="changed_file.path", read_only=True)

    class Meta(HunkSerializer.Meta):
        fields = ["path", *HUNK_FIELDS]
        read_only_fields = fields


class ChangedFileDetailSerializer(serializers.ModelSerializer):
    hunks = HunkSerializer(many=True, read_only=True)

    class Meta:
        model = ChangedFile
        fields = [
            "id",
            "path",
            "previous_path",
            "status",
            "language",
            "additions",
            "deletions",
            "is_binary",
            "analysis",
            "analysis_note",
            "hunks",
        ]
        read_only_fields = fields


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "line": {"type": "integer"},
                "note": {"type": "string"},
            },
        },
    }
)
class FlowField(serializers.JSONField):
    """A data flow from source to sink: [{"path", "line", "note"}, ...]."""


class FindingDetailSerializer(FindingSerializer):
    """A finding in full: the fields of the pull request detail plus where and who triaged it."""

    revision_id = serializers.IntegerField(read_only=True)
    triaged_by = serializers.CharField(
        source="triaged_by.get_username", read_only=True, allow_null=True
    )
    flow = FlowField(read_only=True)

    class Meta(FindingSerializer.Meta):
        fields = [
            *FindingSerializer.Meta.fields,
            "revision_id",
            "scanner_id",
            "scanner_version",
            "end_line",
            "code",
            "pre_existing",
            "triaged_by",
            "triaged_at",
            "source_path",
            "source_line",
            "flow",
        ]
        read_only_fields = fields


class RevisionFullSerializer(RevisionSummarySerializer):
    """One revision with its files and hunks, findings, checklist and approvals."""

    files = ChangedFileDetailSerializer(many=True, read_only=True)
    findings = FindingDetailSerializer(many=True, read_only=True)
    checklist = ChecklistItemSerializer(many=True, read_only=True, source="checklist_items")
    approvals = ApprovalSerializer(many=True, read_only=True)

    class Meta(RevisionSummarySerializer.Meta):
        fields = [
            *RevisionSummarySerializer.Meta.fields,
            "files",
            "findings",
            "checklist",
            "approvals",
        ]
        read_only_fields = fields


class HunkFilterSerializer(serializers.Serializer):
    """Query filters of the hunk list; `path` is compared exactly, never as a pattern."""

    authorship = serializers.ChoiceField(choices=Hunk.Authorship.choices, required=False)
    path = serializers.CharField(max_length=1024, required=False)


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
