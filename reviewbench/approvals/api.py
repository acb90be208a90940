"""Approvals API: a pull request's approvals (stale ones included) and what is still missing, its
usage-boundary exceptions (request, grant, refuse), and the approval groups.

Thin views over the room's selectors and services; the same rules and the same 404s as the pull
request page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from findings.models import PullRequest, Revision
from reviewbench.access.selectors import pull_request_for_user
from reviewbench.apitools import FORBIDDEN, NOT_FOUND, REJECTED, rejected, reviewer, staff
from reviewbench.approvals import selectors, services
from reviewbench.approvals.models import Approval, BoundaryException, GroupTeam


def _latest(pull_request: PullRequest) -> Revision | None:
    return (
        Revision.objects.filter(pull_request=pull_request)
        .select_related("pull_request__repository")
        .order_by("-created_at", "-id")
        .first()
    )


# --- serializers ---------------------------------------------------------------------------------


class ApprovalDetailSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.get_username", read_only=True)
    groups = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Approval
        fields = ["id", "username", "created_at", "groups", "stale", "carried_over_from"]
        read_only_fields = fields


class ApprovalStateSerializer(serializers.Serializer):
    revision_id = serializers.IntegerField(allow_null=True)
    head_sha = serializers.CharField()
    tier = serializers.CharField()
    required_approvals = serializers.IntegerField()
    required_groups = serializers.ListField(child=serializers.CharField())
    approvals = ApprovalDetailSerializer(many=True)
    missing_count = serializers.IntegerField()
    missing_groups = serializers.ListField(child=serializers.CharField())
    missing_text = serializers.CharField()
    can_approve = serializers.BooleanField()
    reason = serializers.CharField()


class BoundaryExceptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    path = serializers.CharField()
    group = serializers.CharField()
    state = serializers.CharField()
    reason = serializers.CharField()
    requested_by = serializers.CharField(allow_null=True)
    decided_by = serializers.CharField(allow_null=True)
    decision_note = serializers.CharField()
    can_request = serializers.BooleanField()
    can_decide = serializers.BooleanField()


class ExceptionRequestInputSerializer(serializers.Serializer):
    path = serializers.CharField(max_length=1024, trim_whitespace=False)
    group = serializers.CharField(max_length=150, trim_whitespace=False)
    reason = serializers.CharField(max_length=services.EXCEPTION_TEXT_MAX_LENGTH)


class ExceptionDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["grant", "refuse"])
    note = serializers.CharField(
        max_length=services.EXCEPTION_TEXT_MAX_LENGTH, required=False, allow_blank=True
    )


class GroupSerializer(serializers.Serializer):
    name = serializers.CharField()
    team_slugs = serializers.ListField(child=serializers.CharField())
    members = serializers.ListField(child=serializers.CharField())


class GroupMemberInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


def _username(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


def _exception_rows(revision: Revision, user: User) -> list[dict[str, Any]]:
    rows = []
    for entry in selectors.boundary_exceptions_for_user(revision=revision, user=user):
        row = entry.needed.exception
        rows.append(
            {
                "id": row.pk if row is not None else None,
                "path": entry.needed.path,
                "group": entry.needed.group,
                "state": entry.needed.state,
                "reason": row.reason if row is not None else "",
                "requested_by": _username(row.requested_by) if row is not None else None,
                "decided_by": _username(row.decided_by) if row is not None else None,
                "decision_note": row.decision_note if row is not None else "",
                "can_request": entry.can_request,
                "can_decide": entry.can_decide,
            }
        )
    return rows


# --- views ---------------------------------------------------------------------------------------


class ApprovalStateApi(APIView):
    @extend_schema(
        operation_id="pull_requests_approvals",
        summary="Approvals of the latest revision (stale ones too) and what is still missing",
        responses={200: ApprovalStateSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, owner: str, name: str, number: int) -> Response:
        user = reviewer(request)
        pull_request = pull_request_for_user(user=user, owner=owner, name=name, number=number)
        revision = _latest(pull_request)
        if revision is None:
            raise NotFound("This pull request has not been analysed yet.")
        policy = selectors.revision_policy(revision)
        approvals = selectors.revision_approvals(revision)
        count, groups = selectors.missing_approvals(revision, approvals, policy=policy)
        reason = selectors.approval_blocker(revision=revision, user=user) or ""
        usable = policy is not None and not policy.error
        data = {
            "revision_id": revision.pk,
            "head_sha": revision.head_sha,
            "tier": policy.tier if usable and policy is not None else "",
            "required_approvals": policy.required_approvals if usable and policy else 1,
            "required_groups": list(policy.required_groups) if usable and policy else [],
            "approvals": approvals,
            "missing_count": count,
            "missing_groups": list(groups),
            "missing_text": selectors.missing_approvals_text(count, groups),
            "can_approve": not reason,
            "reason": reason,
        }
        return Response(ApprovalStateSerializer(data).data)


class BoundaryExceptionListApi(APIView):
    @extend_schema(
        operation_id="pull_requests_exceptions_list",
        summary="Usage-boundary exceptions the latest revision needs, and what you may do",
        responses={200: BoundaryExceptionSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, owner: str, name: str, number: int) -> Response:
        user = reviewer(request)
        pull_request = pull_request_for_user(user=user, owner=owner, name=name, number=number)
        revision = _latest(pull_request)
        rows = _exception_rows(revision, user) if revision is not None else []
        return Response(BoundaryExceptionSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="pull_requests_exceptions_request",
        summary="Ask the named group for an exception for AI-written code on a path",
        request=ExceptionRequestInputSerializer,
        responses={201: BoundaryExceptionSerializer, 400: REJECTED, 404: NOT_FOUND},
    )
    def post(self, request: Request, owner: str, name: str, number: int) -> Response:
        user = reviewer(request)
        pull_request = pull_request_for_user(user=user, owner=owner, name=name, number=number)
        data = ExceptionRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            exception = services.boundary_exception_request(
                pull_request=pull_request, user=user, **data.validated_data
            )
        except services.BoundaryExceptionDenied as denied:
            return rejected(denied.message)
        revision = _latest(pull_request)
        rows = _exception_rows(revision, user) if revision is not None else []
        row = next(r for r in rows if r["id"] == exception.pk)
        return Response(BoundaryExceptionSerializer(row).data, status=status.HTTP_201_CREATED)


class BoundaryExceptionDecideApi(APIView):
    @extend_schema(
        operation_id="exceptions_decide",
        summary="Grant or refuse a requested exception (a member of its group)",
        request=ExceptionDecisionInputSerializer,
        responses={200: BoundaryExceptionSerializer, 400: REJECTED, 404: NOT_FOUND},
    )
    def post(
        self, request: Request, owner: str, name: str, number: int, exception_id: int
    ) -> Response:
        user = reviewer(request)
        pull_request = pull_request_for_user(user=user, owner=owner, name=name, number=number)
        exception = BoundaryException.objects.filter(
            pk=exception_id, pull_request=pull_request
        ).first()
        if exception is None:
            raise NotFound("No such exception.")
        data = ExceptionDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            exception = services.boundary_exception_decide(
                exception=exception,
                user=user,
                grant=data.validated_data["decision"] == "grant",
                note=data.validated_data.get("note", ""),
            )
        except services.BoundaryExceptionDenied as denied:
            return rejected(denied.message)
        revision = _latest(pull_request)
        rows = _exception_rows(revision, user) if revision is not None else []
        row = next((r for r in rows if r["id"] == exception.pk), None)
        if row is None:  # the latest push no longer needs it: report the row as decided
            row = {
                "id": exception.pk,
                "path": exception.path,
                "group": exception.group,
                "state": exception.state,
                "reason": exception.reason,
                "requested_by": _username(exception.requested_by),
                "decided_by": _username(exception.decided_by),
                "decision_note": exception.decision_note,
                "can_request": False,
                "can_decide": False,
            }
        return Response(BoundaryExceptionSerializer(row).data)


def _groups_for(user: User) -> QuerySet[Group]:
    return Group.objects.order_by("name").prefetch_related(
        Prefetch("user_set", queryset=User.objects.order_by("username"), to_attr="ordered_users"),
        Prefetch("github", queryset=GroupTeam.objects.all()),
    )


def _group_row(group: Group, visible: set[int] | None) -> dict[str, Any]:
    team = getattr(group, "github", None)
    members = [
        u.get_username()
        for u in getattr(group, "ordered_users", [])
        if visible is None or u.pk in visible
    ]
    return {
        "name": group.name,
        "team_slugs": list(team.team_slugs or []) if team is not None else [],
        "members": members,
    }


def _visible_user_ids(user: User) -> set[int] | None:
    """Staff see every member; others only the people they share an installation with."""
    if user.is_staff:
        return None
    # Through the reverse relation of github_app's Installation.members (no import of the edge).
    shared = User.objects.filter(installations__members=user).values_list("pk", flat=True)
    return set(shared) | {user.pk}


class GroupListApi(generics.GenericAPIView):
    @extend_schema(
        operation_id="groups_list",
        summary="Approval groups, their GitHub teams and the members you may see",
        responses={200: GroupSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        user = reviewer(request)
        visible = _visible_user_ids(user)
        page = self.paginate_queryset(_groups_for(user))
        rows = [_group_row(group, visible) for group in page or []]
        return self.get_paginated_response(GroupSerializer(rows, many=True).data)


class GroupMemberApi(APIView):
    @extend_schema(
        operation_id="groups_members_add",
        summary="Add a user to an approval group (staff)",
        request=GroupMemberInputSerializer,
        responses={200: GroupSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request: Request, group: str) -> Response:
        staff(request)
        row, target = self._objects(group, request.data)
        services.group_member_set(group=row, user=target, member=True, actor=reviewer(request))
        return Response(GroupSerializer(_group_row(_groups_for(target).get(pk=row.pk), None)).data)

    @extend_schema(
        operation_id="groups_members_remove",
        summary="Remove a user from an approval group (staff)",
        request=GroupMemberInputSerializer,
        responses={200: GroupSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request: Request, group: str) -> Response:
        staff(request)
        row, target = self._objects(group, request.data)
        services.group_member_set(group=row, user=target, member=False, actor=reviewer(request))
        return Response(GroupSerializer(_group_row(_groups_for(target).get(pk=row.pk), None)).data)

    def _objects(self, group: str, payload: Any) -> tuple[Group, User]:
        data = GroupMemberInputSerializer(data=payload)
        data.is_valid(raise_exception=True)
        row = Group.objects.filter(name=group).first()
        target = User.objects.filter(username=data.validated_data["username"]).first()
        if row is None or target is None:
            raise NotFound("No such group or user.")
        return row, target
