"""Policy API: validate a `.reviewbench.yml` merged over the built-in defaults, like
`manage.py policy_check`; the error comes with its line."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewbench.policy import MAX_POLICY_BYTES, PolicyError, policy_describe, policy_load


class PolicyInputSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=MAX_POLICY_BYTES, allow_blank=True, trim_whitespace=False
    )


class PolicyResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)
    line = serializers.IntegerField(allow_null=True)
    tiers = serializers.ListField(child=serializers.DictField())
    description = serializers.CharField(allow_blank=True)


class PolicyValidateApi(APIView):
    @extend_schema(
        operation_id="policy_validate",
        summary="Validate a .reviewbench.yml: its effective tiers, or the error and its line",
        request=PolicyInputSerializer,
        responses={200: PolicyResultSerializer},
    )
    def post(self, request: Request) -> Response:
        data = PolicyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            policy = policy_load(data.validated_data["text"] or None)
        except PolicyError as error:
            result = {
                "valid": False,
                "error": error.message,
                "line": error.line,
                "tiers": [],
                "description": "",
            }
        else:
            result = {
                "valid": True,
                "error": "",
                "line": None,
                "tiers": [
                    {
                        "name": tier.name,
                        "level": tier.level,
                        "approvals": tier.approvals,
                        "groups": list(tier.groups),
                        "sla_hours": tier.sla_hours,
                    }
                    for tier in policy.tiers
                ],
                "description": policy_describe(policy),
            }
        return Response(PolicyResultSerializer(result).data)
