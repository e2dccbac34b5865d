"""Registry endpoints: thin views over selectors and services."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.permissions import RegistryPermission
from backend.cameras import selectors
from backend.cameras.api.filtersets import CameraFilterSerializer, camera_filters
from backend.cameras.api.serializers import (
    CameraFeatureSerializer,
    CameraWriteSerializer,
    DistrictSerializer,
    ImportRequestSerializer,
)
from backend.cameras.services.cameras import camera_create, camera_delete, camera_update
from backend.cameras.services.importing import cameras_import
from backend.common.exceptions import ApplicationError
from backend.common.pagination import DefaultPagination


class FeatureCollectionPagination(DefaultPagination):
    def get_paginated_response(self, data: list) -> Response:
        return Response(
            {
                "type": "FeatureCollection",
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "features": data,
            }
        )


class CameraViewSet(viewsets.ViewSet):
    permission_classes = [RegistryPermission]
    pagination_class = FeatureCollectionPagination

    @extend_schema(
        parameters=[CameraFilterSerializer], responses=CameraFeatureSerializer(many=True)
    )
    def list(self, request: Request) -> Response:
        qs = selectors.camera_list(user=request.user, filters=camera_filters(request.query_params))
        paginator = self.pagination_class()
        page = list(paginator.paginate_queryset(qs, request, view=self) or [])
        return paginator.get_paginated_response(
            CameraFeatureSerializer(page, many=True, context=self._context(page)).data
        )

    def _context(self, cameras: list) -> dict:
        return selectors.camera_feature_context(user=self.request.user, cameras=cameras)

    @extend_schema(responses=CameraFeatureSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        camera = selectors.camera_get(user=request.user, pk=int(pk)) if pk.isdigit() else None
        if camera is None:
            return Response(
                {"error": {"code": "not_found", "message": "no such camera"}}, status=404
            )
        return Response(CameraFeatureSerializer(camera, context=self._context([camera])).data)

    @extend_schema(request=CameraWriteSerializer, responses={201: CameraFeatureSerializer})
    def create(self, request: Request) -> Response:
        serializer = CameraWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        missing = [f for f in ("code", "lon", "lat") if f not in data]
        if missing:
            raise ApplicationError(f"required: {', '.join(missing)}", code="required")
        camera = camera_create(
            code=data.pop("code"),
            lon=data.pop("lon"),
            lat=data.pop("lat"),
            actor=request.user,
            **data,
        )
        return Response(
            CameraFeatureSerializer(camera, context=self._context([camera])).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=CameraWriteSerializer, responses=CameraFeatureSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        camera = get_object_or_404(selectors.camera_list(user=request.user), pk=pk)
        serializer = CameraWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "code" in data and data["code"] != camera.code:
            raise ApplicationError("a camera's code cannot be changed", code="immutable")
        camera, _ = camera_update(camera=camera, data=data, actor=request.user)
        return Response(CameraFeatureSerializer(camera, context=self._context([camera])).data)

    def destroy(self, request: Request, pk: str) -> Response:
        camera = get_object_or_404(selectors.camera_list(user=request.user), pk=pk)
        camera_delete(camera=camera, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=dict)
    @action(detail=False, methods=["get"], url_path="rollout")
    def rollout(self, request: Request) -> Response:
        """AI rollout progress (replaced / upgraded / new) against the city's plan, and health."""
        return Response(selectors.rollout_progress(user=request.user))

    @extend_schema(request={"multipart/form-data": ImportRequestSerializer}, responses=dict)
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request: Request) -> Response:
        """Bulk import (CSV or GeoJSON): 200 with the report, or 400 with it when nothing was saved."""
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        limit = settings.HAECHI_IMPORT_MAX_BYTES
        if length > limit:
            raise ApplicationError(
                f"upload of {length / 1e6:.0f} MB exceeds the {limit / 1e6:.0f} MB import limit; "
                "split the file or import it with `manage.py import_cameras`",
                code="too_large",
            )
        serializer = ImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > limit:
            raise ApplicationError(
                f"file exceeds the {limit / 1e6:.0f} MB import limit", code="too_large"
            )
        report = cameras_import(
            data=upload.read(),
            filename=upload.name,
            actor=request.user,
            skip_invalid=serializer.validated_data["skip_invalid"],
            dry_run=serializer.validated_data["dry_run"],
            source="api",
        )
        ok = report.ok and not report.error
        return Response(
            report.as_dict(), status=status.HTTP_200_OK if ok else status.HTTP_400_BAD_REQUEST
        )


class DistrictViewSet(viewsets.ViewSet):
    """Districts with camera counts (geometry is served as vector tiles)."""

    pagination_class = None

    @extend_schema(responses=DistrictSerializer(many=True))
    def list(self, request: Request) -> Response:
        rows = selectors.district_list(user=request.user)
        return Response(DistrictSerializer(rows, many=True).data)

    @extend_schema(responses=DistrictSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        district = get_object_or_404(selectors.district_list(user=request.user), code=pk)
        return Response(DistrictSerializer(district).data)
