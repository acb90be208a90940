"""Calibration API: the exercises (never their key before an attempt is submitted), a lead's
exercise from a confirmed finding, and a reviewer's attempts: notes, submission, score.

Starting an attempt runs the pipeline, so it is served with the pipeline:
`POST /api/calibration/exercises/<slug>/attempts/` in `reviewbench.reviews.api`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from findings.models import Finding
from reviewbench.access.selectors import revisions_for
from reviewbench.apitools import NOT_FOUND, REJECTED, rejected, reviewer
from reviewbench.calibration import services
from reviewbench.calibration.library import flaw_classes
from reviewbench.calibration.models import Attempt, Exercise, FlawNote
from reviewbench.calibration.selectors import attempts_visible_to, exercises_active


class ExerciseSerializer(serializers.ModelSerializer):
    planted = serializers.SerializerMethodField()

    class Meta:
        model = Exercise
        fields = ["slug", "title", "language", "tool", "summary", "classes", "origin", "planted"]

    def get_planted(self, exercise: Exercise) -> int:
        return len(exercise.flaws)


class FlawNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = FlawNote
        fields = ["id", "path", "line", "flaw_class", "comment", "created_at"]
        read_only_fields = ["id", "created_at"]


class AttemptSerializer(serializers.ModelSerializer):
    exercise = serializers.CharField(source="exercise.slug", read_only=True)
    username = serializers.CharField(source="user.get_username", read_only=True)
    pull_request = serializers.SerializerMethodField()
    notes = FlawNoteSerializer(many=True, read_only=True)
    key = serializers.SerializerMethodField(help_text="the scored key, once submitted")

    class Meta:
        model = Attempt
        fields = [
            "id",
            "exercise",
            "username",
            "pull_request",
            "started_at",
            "submitted_at",
            "caught",
            "total",
            "notes",
            "key",
        ]

    def get_pull_request(self, attempt: Attempt) -> str:
        pull_request = attempt.revision.pull_request
        return f"{pull_request.repository.full_name}#{pull_request.number}"

    def get_key(self, attempt: Attempt) -> dict[str, Any] | None:
        if attempt.submitted_at is None:
            return None
        return {"results": attempt.results, "extra": attempt.extra}


class FromFindingSerializer(serializers.Serializer):
    finding_id = serializers.IntegerField()
    title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ExerciseListApi(APIView):
    @extend_schema(
        operation_id="calibration_exercises_list",
        summary="The active calibration exercises (their answer keys stay hidden)",
        responses={200: ExerciseSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        reviewer(request)
        return Response(ExerciseSerializer(exercises_active(), many=True).data)

    @extend_schema(
        operation_id="calibration_exercises_from_finding",
        summary="Make an exercise of a confirmed finding (leads: calibration.add_exercise): the "
        "code before the fix becomes the exercise, its confirmed findings the key",
        request=FromFindingSerializer,
        responses={201: ExerciseSerializer, 400: REJECTED, 404: NOT_FOUND},
    )
    def post(self, request: Request) -> Response:
        user = reviewer(request)
        payload = FromFindingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        finding = (
            Finding.objects.filter(
                pk=payload.validated_data["finding_id"], revision__in=revisions_for(user)
            )
            .select_related("revision__pull_request__repository")
            .first()
        )
        if finding is None:
            return Response({"detail": "No such finding."}, status=status.HTTP_404_NOT_FOUND)
        try:
            exercise = services.exercise_from_finding(
                finding=finding, user=user, title=payload.validated_data["title"]
            )
        except services.CalibrationError as error:
            return rejected(str(error))
        return Response(ExerciseSerializer(exercise).data, status=status.HTTP_201_CREATED)


def _attempt(request: Request, attempt_id: int) -> Attempt | None:
    return attempts_visible_to(reviewer(request)).filter(pk=attempt_id).first()


_MISSING = {"detail": "No such attempt."}


class AttemptListApi(APIView):
    @extend_schema(
        operation_id="calibration_attempts_list",
        summary="Calibration attempts: your own (leads: everyone's), newest first",
        responses={200: AttemptSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        rows = attempts_visible_to(reviewer(request)).prefetch_related("notes")[:200]
        return Response(AttemptSerializer(rows, many=True).data)


class AttemptDetailApi(APIView):
    @extend_schema(
        operation_id="calibration_attempts_retrieve",
        summary="One attempt: its notes, and once submitted its score against the key",
        responses={200: AttemptSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = _attempt(request, attempt_id)
        if attempt is None:
            return Response(_MISSING, status=status.HTTP_404_NOT_FOUND)
        return Response(AttemptSerializer(attempt).data)


def _own(request: Request, attempt_id: int) -> Attempt | None:
    """The attempt if it is the user's own: only its reviewer acts on it (leads only look)."""
    attempt = _attempt(request, attempt_id)
    return attempt if attempt is not None and attempt.user_id == reviewer(request).pk else None


class AttemptNotesApi(APIView):
    @extend_schema(
        operation_id="calibration_attempts_notes_create",
        summary="Name a flaw in your open attempt: file, line, class (see the classes list) and "
        "why it is one",
        request=FlawNoteSerializer,
        responses={201: FlawNoteSerializer, 400: REJECTED, 404: NOT_FOUND},
    )
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = _own(request, attempt_id)
        if attempt is None:
            return Response(_MISSING, status=status.HTTP_404_NOT_FOUND)
        payload = FlawNoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            note = services.flaw_note_add(
                attempt=attempt, user=reviewer(request), **payload.validated_data
            )
        except services.CalibrationError as error:
            return rejected(str(error))
        return Response(FlawNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class AttemptNoteApi(APIView):
    @extend_schema(
        operation_id="calibration_attempts_notes_destroy",
        summary="Take back a note of your open attempt",
        responses={204: None, 400: REJECTED, 404: NOT_FOUND},
    )
    def delete(self, request: Request, attempt_id: int, note_id: int) -> Response:
        attempt = _own(request, attempt_id)
        note = attempt.notes.filter(pk=note_id).first() if attempt is not None else None
        if note is None:
            return Response({"detail": "No such note."}, status=status.HTTP_404_NOT_FOUND)
        try:
            services.flaw_note_remove(note=note, user=reviewer(request))
        except services.CalibrationError as error:
            return rejected(str(error))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttemptSubmitApi(APIView):
    @extend_schema(
        operation_id="calibration_attempts_submit",
        summary="Submit your attempt: it is scored against the key (which flaws you named, at "
        "which lines, in which class) and closed",
        request=None,
        responses={200: AttemptSerializer, 400: REJECTED, 404: NOT_FOUND},
    )
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = _own(request, attempt_id)
        if attempt is None:
            return Response(_MISSING, status=status.HTTP_404_NOT_FOUND)
        try:
            scored = services.attempt_submit(attempt=attempt, user=reviewer(request))
        except services.CalibrationError as error:
            return rejected(str(error))
        return Response(AttemptSerializer(scored).data)


class FlawClassSerializer(serializers.Serializer):
    flaw_class = serializers.CharField(help_text="the value a note's flaw_class takes")
    title = serializers.CharField()


class FlawClassListApi(APIView):
    @extend_schema(
        operation_id="calibration_classes_list",
        summary="The classes a flaw can be named in",
        responses={200: FlawClassSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        reviewer(request)
        rows = [{"flaw_class": name, "title": title} for name, title in flaw_classes().items()]
        return Response(FlawClassSerializer(rows, many=True).data)
