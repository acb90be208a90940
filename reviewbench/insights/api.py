"""Insights API: a repository's assistant instruction file, as the page and the command write it."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewbench.access.selectors import repository_for_user
from reviewbench.apitools import NOT_FOUND, REJECTED, rejected, reviewer
from reviewbench.insights.calibration import calibration_document, calibration_request
from reviewbench.insights.feedback import (
    DIMENSIONS,
    FeedbackError,
    feedback_document,
    feedback_request,
)
from reviewbench.insights.instructions import FORMATS
from reviewbench.insights.selectors import repository_instructions


class RepositoryInstructionsApi(APIView):
    @extend_schema(
        operation_id="repositories_instructions",
        summary="An instruction file for AI assistants (AGENTS.md, Copilot or Cursor rules) "
        "from the repository's confirmed findings, most frequent class first, and its policy's "
        "usage boundaries",
        parameters=[
            # Not `format`: REST framework reads that one as the response's renderer.
            OpenApiParameter(
                "file_format", OpenApiTypes.STR, enum=list(FORMATS), description="default: agents"
            )
        ],
        responses={
            200: inline_serializer(
                "RepositoryInstructions",
                {
                    "format": serializers.CharField(),
                    "path": serializers.CharField(help_text="where the file goes in the repo"),
                    "content": serializers.CharField(),
                },
            ),
            400: REJECTED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, owner: str, name: str) -> Response:
        repository = repository_for_user(user=reviewer(request), owner=owner, name=name)
        file_format = request.query_params.get("file_format", "agents")
        if file_format not in FORMATS:
            return rejected(f"unknown format; choose one of {', '.join(FORMATS)}")
        return Response(
            {
                "format": file_format,
                "path": FORMATS[file_format],
                "content": repository_instructions(repository, file_format=file_format),
            }
        )


class FeedbackApi(APIView):
    @extend_schema(
        operation_id="insights_feedback",
        summary="Feedback numbers over a period: findings raised, confirmed, false positive and "
        "accepted risk, precision and mean time to triage per rule, CWE class, language, AI tool "
        "or repository; AI- versus human-written findings per 1,000 added lines; noisy rules",
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE, description="default: 30 days ago"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="default: today"),
            OpenApiParameter("dimension", OpenApiTypes.STR, enum=list(DIMENSIONS)),
            OpenApiParameter("repository", OpenApiTypes.STR, description="owner/name"),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: REJECTED},
    )
    def get(self, request: Request) -> Response:
        try:
            feedback = feedback_request(reviewer(request), request.query_params)
        except FeedbackError as error:
            return rejected(str(error))
        return Response(feedback_document(feedback))


class CalibrationNumbersApi(APIView):
    @extend_schema(
        operation_id="insights_calibration",
        summary="Calibration catch rates over a period: per reviewer (leads: every reviewer; "
        "others: their own), overall, per class of planted flaw and per week",
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE, description="default: 90 days ago"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="default: today"),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: REJECTED},
    )
    def get(self, request: Request) -> Response:
        try:
            numbers = calibration_request(reviewer(request), request.query_params)
        except FeedbackError as error:
            return rejected(str(error))
        return Response(calibration_document(numbers))
