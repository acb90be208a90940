"""What every room's REST API shares: the signed-in reviewer, the error shape and responses.

Domain-free; the rooms' `api.py` modules import it. Tenancy is the rooms' own: each looks objects
up among what `reviewbench.access` says the user may see, and answers the same 404 for anything
else as for something that does not exist.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Missing, or not visible to you.")
REJECTED = OpenApiResponse(ErrorSerializer, description="The review rules refused the request.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Staff only.")


def reviewer(request: Request) -> User:
    """The request's signed-in user (IsAuthenticated has refused anonymous requests already)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def staff(request: Request) -> User:
    """The request's user, who must be staff."""
    user = reviewer(request)
    if not user.is_staff:
        raise PermissionDenied("Staff only.")
    return user


def rejected(message: str) -> Response:
    """A 400 with the reason the review rules gave, in `detail`."""
    return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)
