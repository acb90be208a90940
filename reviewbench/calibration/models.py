"""Calibration: exercises (the library's and those leads make from confirmed findings), each
reviewer's attempts at them, and the flaws they named."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from findings.models import Finding, Revision


class Exercise(models.Model):
    class Origin(models.TextChoices):
        LIBRARY = "library", "Exercise library"
        FINDING = "finding", "From a confirmed finding"

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    language = models.CharField(max_length=32)
    tool = models.CharField(max_length=64, default="Copilot")
    summary = models.TextField(blank=True, default="")
    # [{"path", "before" (null: added), "after"}] and [{"path", "line", "class", "why"}]
    files = models.JSONField(default=list)
    flaws = models.JSONField(default=list)
    classes = models.JSONField(default=list)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.LIBRARY)
    source_finding = models.ForeignKey(
        Finding, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A library exercise no longer in exercises.yaml is retired, not deleted: attempts keep it.
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["origin", "language", "slug"]
        permissions = [("view_all_attempts", "See every reviewer's calibration attempts")]

    def __str__(self) -> str:
        return self.slug


class Attempt(models.Model):
    """One reviewer's run of one exercise; its pull request is analysed like any other."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calibration_attempts"
    )
    revision = models.OneToOneField(
        Revision, on_delete=models.CASCADE, related_name="calibration_attempt"
    )
    # The key as it was when the attempt started: editing the exercise never rescores it.
    flaws = models.JSONField(default=list)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    caught = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # Per planted flaw: {"path", "line", "class", "why", "caught", "located", "mark": {...}|null};
    # and the marks that matched no flaw.
    results = models.JSONField(default=list, blank=True)
    extra = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["user", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.exercise_id}"

    @property
    def rate(self) -> float | None:
        return self.caught / self.total if self.submitted_at and self.total else None


class FlawNote(models.Model):
    """A flaw the reviewer names during an attempt: where, which class, and why."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="notes")
    path = models.CharField(max_length=1024)
    line = models.PositiveIntegerField()
    flaw_class = models.CharField(max_length=48)
    comment = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path", "line", "id"]

    def __str__(self) -> str:
        return f"{self.flaw_class} at {self.path}:{self.line}"
