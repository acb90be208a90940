"""Queue API: the leads' queue with the page's filters, as JSON pages or as CSV."""

from __future__ import annotations

import csv
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request

from reviewbench.apitools import reviewer
from reviewbench.queue import selectors as queue
from reviewbench.queue.exports import CSV_HEADER, csv_rows, decorate, row_values


class QueueRowSerializer(serializers.Serializer):
    repository = serializers.CharField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    tier = serializers.CharField(allow_blank=True)
    level = serializers.IntegerField(allow_null=True)
    ai_share_percent = serializers.FloatField(allow_null=True)
    open_critical = serializers.IntegerField()
    open_high = serializers.IntegerField()
    open_medium = serializers.IntegerField()
    open_low = serializers.IntegerField()
    open_info = serializers.IntegerField()
    checklist_answered = serializers.IntegerField()
    checklist_total = serializers.IntegerField()
    approvals_given = serializers.IntegerField()
    approvals_required = serializers.IntegerField()
    approvers = serializers.CharField(allow_blank=True)
    missing_groups = serializers.CharField(allow_blank=True)
    age_hours = serializers.FloatField()
    sla_remaining_hours = serializers.FloatField(allow_null=True)
    state = serializers.CharField()


class _Echo:
    def write(self, value: str) -> str:
        return value


FILTERS = [
    OpenApiParameter("repository", OpenApiTypes.STR, description="owner/name"),
    OpenApiParameter("tier", OpenApiTypes.STR),
    OpenApiParameter("state", OpenApiTypes.STR, enum=list(queue.STATES)),
    OpenApiParameter("breached", OpenApiTypes.BOOL),
    OpenApiParameter("mine", OpenApiTypes.BOOL, description="waiting on one of my groups"),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(queue.SORTS)),
    OpenApiParameter("export", OpenApiTypes.STR, enum=["csv"], description="the whole list, CSV"),
]


class QueueApi(generics.GenericAPIView):
    serializer_class = QueueRowSerializer

    @extend_schema(
        operation_id="queue_list",
        summary="Open pull requests awaiting review: tier, AI share, findings, approvals, SLA",
        parameters=FILTERS,
        responses={200: QueueRowSerializer(many=True)},
    )
    def get(self, request: Request) -> Any:
        user = reviewer(request)
        now = timezone.now()
        filters = queue.QueueFilters.from_query(request.query_params)
        rows = queue.queue_for_user(user=user, filters=filters, now=now)
        if request.query_params.get("export") == "csv":
            writer = csv.writer(_Echo())
            response = StreamingHttpResponse(
                (writer.writerow(line) for line in csv_rows(rows, now)),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = 'attachment; filename="reviewbench-queue.csv"'
            return response
        page = self.paginate_queryset(rows) or []
        data = [dict(zip(CSV_HEADER, row_values(decorate(row, now)), strict=True)) for row in page]
        return self.get_paginated_response(QueueRowSerializer(data, many=True).data)
