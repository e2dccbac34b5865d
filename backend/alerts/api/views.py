"""Alert endpoints: thin views over selectors (reads) and services (workflow)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from django.contrib.auth import get_user_model
from django.http import FileResponse, HttpResponse
from django.utils.http import http_date
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.roles import Role
from backend.accounts.selectors import user_has_role
from backend.alerts import selectors, services
from backend.alerts.api.filtersets import (
    AlertFilterSerializer,
    DeadLetterFilterSerializer,
    FeedbackFilterSerializer,
    alert_filters,
)
from backend.alerts.api.serializers import (
    AlertNoteSerializer,
    AlertSerializer,
    AssignSerializer,
    DeadLetterSerializer,
    FeedbackRowSerializer,
    NoteSerializer,
    NoteTextSerializer,
    ReasonSerializer,
)
from backend.alerts.models import Alert
from backend.alerts.payloads import alert_payload, dead_letter_payload
from backend.audit.services import audit_record
from backend.common.exceptions import ApplicationError
from backend.common.pagination import DefaultPagination


class AlertPermission(BasePermission):
    """Signed-in users with a role read (scoped by selectors); agents, supervisors, admins act."""

    message = "Only agents, supervisors and admins may act on alerts."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return True
        return user_has_role(user=request.user, roles=services.ACTOR_ROLES)


class FeedbackPermission(BasePermission):
    """False-positive statistics: admins, supervisors and planners (threshold tuning)."""

    message = "Only admins, supervisors and planners may read alert feedback."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return bool(request.user and request.user.is_authenticated) and user_has_role(
            user=request.user, roles={Role.ADMIN, Role.SUPERVISOR, Role.PLANNER}
        )


class AdminOnly(BasePermission):
    message = "Only admins may read dead letters."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return bool(request.user and request.user.is_authenticated) and user_has_role(
            user=request.user, roles={Role.ADMIN}
        )


class AlertViewSet(viewsets.ViewSet):
    permission_classes = [AlertPermission]
    pagination_class = DefaultPagination

    def _get(self, request: Request, pk: str) -> Alert:
        alert = selectors.alert_get(user=request.user, pk=int(pk)) if pk.isdigit() else None
        if alert is None:
            raise NotFound("no such alert")
        return alert

    @extend_schema(parameters=[AlertFilterSerializer], responses=AlertSerializer(many=True))
    def list(self, request: Request) -> Response:
        qs = selectors.alert_list(user=request.user, filters=alert_filters(request.query_params))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([alert_payload(a) for a in page])

    @extend_schema(responses=AlertSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(alert_payload(self._get(request, pk)))

    def _act(self, request: Request, pk: str, service, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        alert = self._get(request, pk)
        try:
            alert = service(alert=alert, actor=request.user, **kwargs)
        except ApplicationError as err:
            if err.code == "forbidden":
                raise PermissionDenied(err.message) from err
            raise
        return Response(alert_payload(alert))

    @extend_schema(request=NoteSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        note = _valid(NoteSerializer, request)["note"]
        return self._act(request, pk, services.alert_acknowledge, note=note)

    @extend_schema(request=NoteSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_alert(self, request: Request, pk: str) -> Response:
        """Named dispatch_alert: `dispatch` is the view's own request entry point."""
        note = _valid(NoteSerializer, request)["note"]
        return self._act(request, pk, services.alert_dispatch, note=note)

    @extend_schema(request=NoteSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        note = _valid(NoteSerializer, request)["note"]
        return self._act(request, pk, services.alert_resolve, note=note)

    @extend_schema(request=ReasonSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"], url_path="false-positive")
    def false_positive(self, request: Request, pk: str) -> Response:
        reason = _valid(ReasonSerializer, request)["reason"]
        return self._act(request, pk, services.alert_false_positive, reason=reason)

    @extend_schema(request=AssignSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        user_id = _valid(AssignSerializer, request)["assignee"]
        self._get(request, pk)  # 404 for alerts outside the user's districts, before anything
        assignee = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if assignee is None:
            raise ApplicationError(f"no active user {user_id}", code="bad_assignee")
        return self._act(request, pk, services.alert_assign, assignee=assignee)

    @extend_schema(methods=["GET"], responses=AlertNoteSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=NoteTextSerializer, responses={201: AlertNoteSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def notes(self, request: Request, pk: str) -> Response:
        """GET: the alert's notes, oldest first. POST: append a note (kept in the history)."""
        alert = self._get(request, pk)
        if request.method == "GET":
            return Response(
                [services.alert_note_payload(n) for n in selectors.alert_notes(alert=alert)]
            )
        text = _valid(NoteTextSerializer, request)["note"]
        try:
            entry = services.alert_note_add(alert=alert, actor=request.user, note=text)
        except ApplicationError as err:
            if err.code == "forbidden":
                raise PermissionDenied(err.message) from err
            raise
        return Response(services.alert_note_payload(entry), status=201)

    @extend_schema(
        parameters=[FeedbackFilterSerializer], responses=FeedbackRowSerializer(many=True)
    )
    @action(detail=False, methods=["get"], permission_classes=[FeedbackPermission])
    def feedback(self, request: Request) -> Response:
        """False positives vs confirmed alerts per camera and behaviour type, worst rate first."""
        filters = alert_filters(request.query_params, FeedbackFilterSerializer)
        qs = selectors.alert_feedback_stats(user=request.user, filters=filters)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(list(page))

    @extend_schema(
        parameters=[DeadLetterFilterSerializer], responses=DeadLetterSerializer(many=True)
    )
    @action(detail=False, methods=["get"], url_path="dead-letters", permission_classes=[AdminOnly])
    def dead_letters(self, request: Request) -> Response:
        """Messages the ingest refused (malformed, unknown version, unknown camera), newest first."""
        filters = alert_filters(request.query_params, DeadLetterFilterSerializer)
        qs = selectors.dead_letter_list(reason=filters.get("reason"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([dead_letter_payload(d) for d in page])

    @extend_schema(responses={(200, "image/jpeg"): bytes})
    @action(detail=True, methods=["get"])
    def snapshot(self, request: Request, pk: str) -> HttpResponse:
        return self._media(request, pk, "snapshot", "image/jpeg")

    @extend_schema(responses={(200, "video/mp4"): bytes})
    @action(detail=True, methods=["get"])
    def clip(self, request: Request, pk: str) -> HttpResponse:
        return self._media(request, pk, "clip", "video/mp4")

    def _media(self, request: Request, pk: str, kind: str, content_type: str) -> HttpResponse:
        """Media of an alert the user may see, whole or one byte range (`Range: bytes=…`, which
        browsers need to play and seek video); recorded in the audit log whenever the response
        carries the file's first byte (every copy of the file does, a seek does not)."""
        alert = self._get(request, pk)
        path = selectors.alert_media_path(alert=alert, kind=kind)
        if path is None:
            raise NotFound(f"no {kind} stored for this alert")
        stat = path.stat()
        last_modified = http_date(stat.st_mtime)
        wanted = request.headers.get("Range")
        if_range = request.headers.get("If-Range")
        if wanted is not None and if_range is not None and if_range != last_modified:
            wanted = None  # the file changed since the client cached its first part: send it all
        span = byte_range(wanted, stat.st_size) if wanted is not None else None
        if span == "unsatisfiable":
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{stat.st_size}"
            response["Accept-Ranges"] = "bytes"
            return response
        start, end = span if span is not None else (0, stat.st_size - 1)
        if start == 0:
            audit_record(actor=request.user, action=f"alert.{kind}_viewed", target=alert)
        if span is None:
            response = FileResponse(path.open("rb"), content_type=content_type)
        else:
            response = FileResponse(_FileSlice(path, start, end), content_type=content_type)
            response.status_code = 206
            response["Content-Range"] = f"bytes {start}-{end}/{stat.st_size}"
            response["Content-Length"] = str(end - start + 1)
        response["Accept-Ranges"] = "bytes"
        response["Last-Modified"] = last_modified
        return response


def byte_range(header: str, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """The inclusive (first, last) byte of a single-range `Range` header for a file of `size`
    bytes; "unsatisfiable" when it starts past the end; None when it is not one byte range
    (malformed, another unit, several ranges), which is answered with the whole file."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()):
        return None
    if not first.isdigit():  # "-N": the last N bytes
        if int(last) == 0:
            return "unsatisfiable"
        return (max(0, size - int(last)), size - 1) if size else "unsatisfiable"
    start = int(first)
    if last and not last.isdigit():
        return None
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, end


class _FileSlice:
    """Bytes `start`..`end` (inclusive) of a file, read in blocks by FileResponse."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        self._file = path.open("rb")
        self._file.seek(start)
        self._left = end - start + 1

    def read(self, size: int = -1) -> bytes:
        n = self._left if size < 0 else min(size, self._left)
        data = self._file.read(n) if n > 0 else b""
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._file.close()


def _valid(serializer_class, request: Request) -> dict:  # type: ignore[no-untyped-def]
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
