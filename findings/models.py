"""What a revision of a pull request contains and what is wrong with it.

Everything stored here that came from GitHub (titles, bodies, paths, patches, commit
messages) is attacker-controlled: templates escape it, and nothing builds a path, query,
command or regex from it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from findings.engine.secure_prompts import SecurePrompt, secure_prompt


class Repository(models.Model):
    class Source(models.TextChoices):
        GITHUB = "github", "GitHub"
        LOCAL = "local", "Local git"
        # A reviewer's own practice repository: calibration exercises run as its pull requests.
        CALIBRATION = "calibration", "Calibration exercises"

    full_name = models.CharField(max_length=200, unique=True)
    github_id = models.BigIntegerField(null=True, blank=True, unique=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.GITHUB)
    default_branch = models.CharField(max_length=255, blank=True, default="")
    html_url = models.URLField(max_length=500, blank=True, default="")
    # Calibration repositories only: the one reviewer who sees and acts in it.
    calibration_owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calibration_repository",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "repositories"

    def __str__(self) -> str:
        return self.full_name


class PullRequest(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        MERGED = "merged", "Merged"

    repository = models.ForeignKey(
        Repository, on_delete=models.CASCADE, related_name="pull_requests"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=1000, blank=True, default="")
    body = models.TextField(blank=True, default="")
    author_login = models.CharField(max_length=255, blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    draft = models.BooleanField(default=False)
    base_ref = models.CharField(max_length=255, blank=True, default="")
    head_ref = models.CharField(max_length=255, blank=True, default="")
    head_sha = models.CharField(max_length=64, blank=True, default="")
    html_url = models.URLField(max_length=500, blank=True, default="")
    labels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["repository", "number"], name="uniq_pull_request_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.repository.full_name}#{self.number}"


class Revision(models.Model):
    """One analysed head SHA of a pull request, keyed by (PR, head SHA, analyzer version)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        ANALYZING = "analyzing", "Analyzing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        SUPERSEDED = "superseded", "Superseded"

    pull_request = models.ForeignKey(
        PullRequest, on_delete=models.CASCADE, related_name="revisions"
    )
    head_sha = models.CharField(max_length=64)
    base_sha = models.CharField(max_length=64, blank=True, default="")
    analyzer_version = models.CharField(max_length=32)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    status_reason = models.TextField(blank=True, default="")
    commits = models.JSONField(default=list, blank=True)
    policy_text = models.TextField(blank=True, default="")
    additions = models.PositiveIntegerField(default=0)
    deletions = models.PositiveIntegerField(default=0)
    # AI provenance: added lines attributed to an AI, the tools named, PR-level signals found.
    ai_added_lines = models.PositiveIntegerField(default=0)
    ai_tools = models.JSONField(default=list, blank=True)
    ai_signals = models.JSONField(default=list, blank=True)
    # Per scanner: {"seconds": time it spent on this head, "files": files it read itself}.
    # A database default too: rows written by code that predates the column (a rolling deploy).
    scanner_seconds = models.JSONField(default=dict, blank=True, db_default={})
    # Incremental analysis (findings.carry): what a later push must share with this revision to
    # take its unchanged files' rows instead of analysing them again ("" on rows written before
    # it existed: never a source), and what this revision itself took, from which head.
    carry_key = models.CharField(max_length=64, blank=True, default="", db_default="")
    carried_from = models.CharField(max_length=64, blank=True, default="", db_default="")
    carried_files = models.PositiveIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pull_request", "head_sha", "analyzer_version"], name="uniq_revision_key"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.pull_request} @ {self.head_sha[:7]}"


class ChangedFile(models.Model):
    class Status(models.TextChoices):
        ADDED = "added", "Added"
        MODIFIED = "modified", "Modified"
        REMOVED = "removed", "Removed"
        RENAMED = "renamed", "Renamed"

    class Analysis(models.TextChoices):
        ANALYSED = "analysed", "Analysed"
        NOT_ANALYSED = "not_analysed", "Not analysed"
        NOT_APPLICABLE = "not_applicable", "No scanner applies"

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=1024)
    previous_path = models.CharField(max_length=1024, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.MODIFIED)
    language = models.CharField(max_length=32, blank=True, default="")
    blob_sha = models.CharField(max_length=64, blank=True, default="")
    additions = models.PositiveIntegerField(default=0)
    deletions = models.PositiveIntegerField(default=0)
    is_binary = models.BooleanField(default=False)
    analysis = models.CharField(max_length=16, choices=Analysis.choices, default=Analysis.ANALYSED)
    analysis_note = models.TextField(blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["revision", "position"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "path"], name="uniq_changed_file_path"),
        ]

    def __str__(self) -> str:
        return self.path


class Hunk(models.Model):
    """One hunk of a changed file's diff; `content` keeps the unified-diff lines with prefixes."""

    class Authorship(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        AI = "ai", "AI-written"
        HUMAN = "human", "Human"

    changed_file = models.ForeignKey(ChangedFile, on_delete=models.CASCADE, related_name="hunks")
    index = models.PositiveIntegerField()
    source_start = models.PositiveIntegerField()
    source_length = models.PositiveIntegerField()
    target_start = models.PositiveIntegerField()
    target_length = models.PositiveIntegerField()
    section_header = models.CharField(max_length=500, blank=True, default="")
    content = models.TextField()
    content_hash = models.CharField(max_length=64)
    added = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    authorship = models.CharField(
        max_length=10, choices=Authorship.choices, default=Authorship.UNKNOWN
    )
    ai_tool = models.CharField(max_length=64, blank=True, default="")
    ai_evidence = models.JSONField(default=list, blank=True)
    # Added lines of this hunk attributed to an AI (a hunk may be partly AI-written).
    ai_lines = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["changed_file", "index"]
        constraints = [
            models.UniqueConstraint(fields=["changed_file", "index"], name="uniq_hunk_index"),
        ]

    def __str__(self) -> str:
        return f"{self.changed_file.path} hunk {self.index}"


class Finding(models.Model):
    class Severity(models.TextChoices):
        INFO = "info", "Info"
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class Confidence(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class Origin(models.TextChoices):
        ANALYSIS = "analysis", "Analysis"
        REVIEW = "review", "Reviewer"
        IMPORT = "import", "SARIF import"

    class Triage(models.TextChoices):
        OPEN = "open", "Open"
        CONFIRMED = "confirmed", "Confirmed"
        FALSE_POSITIVE = "false_positive", "False positive"
        ACCEPTED_RISK = "accepted_risk", "Accepted risk"

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="findings")
    changed_file = models.ForeignKey(
        ChangedFile, on_delete=models.CASCADE, related_name="findings", null=True, blank=True
    )
    scanner_id = models.CharField(max_length=64)
    scanner_version = models.CharField(max_length=32)
    rule_id = models.CharField(max_length=128)
    cwe = models.PositiveIntegerField(null=True, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    confidence = models.CharField(max_length=10, choices=Confidence.choices)
    title = models.CharField(max_length=300)
    message = models.TextField()
    guidance = models.TextField(blank=True, default="")
    path = models.CharField(max_length=1024)
    line = models.PositiveIntegerField()
    end_line = models.PositiveIntegerField()
    code = models.TextField(blank=True, default="")
    # Data-flow findings: where the data entered (`source_line` 0: no known source; `source_path`
    # "": the finding's own path) and its way, [{"path", "line", "note"}, ...] from source to sink.
    source_path = models.CharField(max_length=1024, blank=True, default="")
    source_line = models.PositiveIntegerField(default=0)
    flow = models.JSONField(default=list, blank=True)
    fingerprint = models.CharField(max_length=64)
    pre_existing = models.BooleanField(default=False)
    # Where the finding came from: the analysis of the head, a reviewer's refuted assumption, or
    # an uploaded SARIF log. Only the analysis's findings are carried to a later push.
    origin = models.CharField(
        max_length=10, choices=Origin.choices, default=Origin.ANALYSIS, db_default="analysis"
    )
    triage = models.CharField(max_length=16, choices=Triage.choices, default=Triage.OPEN)
    triage_reason = models.TextField(blank=True, default="")
    triage_expires_at = models.DateField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

    class Meta:
        ordering = ["revision", "path", "line", "rule_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "fingerprint"], name="uniq_finding_fingerprint"
            ),
        ]
        indexes = [models.Index(fields=["fingerprint"])]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.path}:{self.line}"

    @property
    def secure_prompt(self) -> SecurePrompt:
        """The instruction that, given to the assistant, would have avoided this finding."""
        return secure_prompt(cwe=self.cwe, rule_id=self.rule_id, path=self.path)


class ScanCache(models.Model):
    """Scanner output for one blob: a push that changes one file rescans one file."""

    scanner_id = models.CharField(max_length=64)
    scanner_version = models.CharField(max_length=32)
    blob_sha = models.CharField(max_length=64)
    language = models.CharField(max_length=32)
    results = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scanner_id", "scanner_version", "blob_sha", "language"],
                name="uniq_scan_cache_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scanner_id} {self.blob_sha[:12]}"


class Vulnerability(models.Model):
    """One affected package range from an OSV-format advisory, loaded by `load_vulnerabilities`."""

    advisory_id = models.CharField(max_length=100)
    ecosystem = models.CharField(max_length=32)  # OSV names: PyPI, npm, Go, Maven
    package = models.CharField(max_length=300)  # normalised as the ecosystem compares names
    summary = models.TextField(blank=True, default="")
    aliases = models.JSONField(default=list, blank=True)
    severity = models.CharField(max_length=10, blank=True, default="")
    versions = models.JSONField(default=list, blank=True)  # explicitly affected versions
    ranges = models.JSONField(default=list, blank=True)  # OSV `ranges` (introduced/fixed events)
    source = models.CharField(max_length=500, blank=True, default="")
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["advisory_id", "ecosystem", "package"], name="uniq_vulnerability_package"
            ),
        ]
        indexes = [models.Index(fields=["ecosystem", "package"])]

    def __str__(self) -> str:
        return f"{self.advisory_id} {self.ecosystem}/{self.package}"
