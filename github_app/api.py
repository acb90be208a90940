"""Deliveries API (staff): the webhook delivery log, filtered by status and event."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from github_app.models import WebhookDelivery
from reviewbench.apitools import FORBIDDEN, staff


class DeliverySerializer(serializers.ModelSerializer):
    # A plain string in the schema: its choices are listed on the `status` filter, and an enum
    # named after a `status` field would collide with the pull request files' own.
    status = serializers.CharField(read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "delivery_id",
            "event",
            "action",
            "repository_full_name",
            "status",
            "attempts",
            "error",
            "received_at",
            "enqueued_at",
            "processed_at",
        ]
        read_only_fields = fields


class DeliveryListApi(generics.ListAPIView):
    serializer_class = DeliverySerializer

    @extend_schema(
        operation_id="deliveries_list",
        summary="Webhook deliveries, newest first (staff)",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(WebhookDelivery.Status.values)),
            OpenApiParameter("event", OpenApiTypes.STR),
        ],
        responses={200: DeliverySerializer(many=True), 403: FORBIDDEN},
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        staff(request)
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        rows = WebhookDelivery.objects.order_by("-received_at", "-pk")
        status = self.request.query_params.get("status", "")
        if status in WebhookDelivery.Status.values:
            rows = rows.filter(status=status)
        event = self.request.query_params.get("event", "")[:64]
        if event:
            rows = rows.filter(event=event)
        return rows.only(*DeliverySerializer.Meta.fields)
