from django.contrib import admin

from reviewbench.calibration.models import Attempt, Exercise, FlawNote


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "language", "origin", "active")
    list_filter = ("origin", "language", "active")
    search_fields = ("slug", "title")


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("exercise", "user", "started_at", "submitted_at", "caught", "total")
    list_filter = ("submitted_at",)
    raw_id_fields = ("revision",)


@admin.register(FlawNote)
class FlawNoteAdmin(admin.ModelAdmin):
    list_display = ("attempt", "path", "line", "flaw_class")
