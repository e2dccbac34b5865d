"""Zones and rules of one camera: admin-only CRUD, thin over selectors and services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.permissions import IsAdminRole
from backend.cameras import selectors as camera_selectors
from backend.cameras.models import Camera
from backend.zones import selectors, services
from backend.zones.api.serializers import (
    RuleSerializer,
    RuleWriteSerializer,
    ZoneSerializer,
    ZoneWriteSerializer,
)


class _CameraScoped(viewsets.ViewSet):
    permission_classes = [IsAdminRole]
    pagination_class = None

    def camera(self, camera_id: str) -> Camera:
        return get_object_or_404(camera_selectors.camera_list(user=self.request.user), pk=camera_id)


class ZoneViewSet(_CameraScoped):
    @extend_schema(responses=ZoneSerializer(many=True))
    def list(self, request: Request, camera_id: str) -> Response:
        camera = self.camera(camera_id)
        return Response(ZoneSerializer(selectors.zone_list(camera_id=camera.pk), many=True).data)

    @extend_schema(request=ZoneWriteSerializer, responses={201: ZoneSerializer})
    def create(self, request: Request, camera_id: str) -> Response:
        camera = self.camera(camera_id)
        data = ZoneWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        zone = services.zone_create(camera=camera, actor=request.user, **data.validated_data)
        return Response(ZoneSerializer(zone).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ZoneSerializer)
    def retrieve(self, request: Request, camera_id: str, pk: str) -> Response:
        camera = self.camera(camera_id)
        return Response(
            ZoneSerializer(get_object_or_404(selectors.zone_list(camera_id=camera.pk), pk=pk)).data
        )

    @extend_schema(request=ZoneWriteSerializer, responses=ZoneSerializer)
    def partial_update(self, request: Request, camera_id: str, pk: str) -> Response:
        camera = self.camera(camera_id)
        zone = get_object_or_404(selectors.zone_list(camera_id=camera.pk), pk=pk)
        data = ZoneWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        zone = services.zone_update(zone=zone, data=dict(data.validated_data), actor=request.user)
        return Response(ZoneSerializer(zone).data)

    def destroy(self, request: Request, camera_id: str, pk: str) -> Response:
        camera = self.camera(camera_id)
        zone = get_object_or_404(selectors.zone_list(camera_id=camera.pk), pk=pk)
        services.zone_delete(zone=zone, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RuleViewSet(_CameraScoped):
    @extend_schema(responses=RuleSerializer(many=True))
    def list(self, request: Request, camera_id: str) -> Response:
        camera = self.camera(camera_id)
        return Response(RuleSerializer(selectors.rule_list(camera_id=camera.pk), many=True).data)

    @extend_schema(request=RuleWriteSerializer, responses={201: RuleSerializer})
    def create(self, request: Request, camera_id: str) -> Response:
        camera = self.camera(camera_id)
        data = RuleWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.rule_create(camera=camera, actor=request.user, **data.validated_data)
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=RuleSerializer)
    def retrieve(self, request: Request, camera_id: str, pk: str) -> Response:
        camera = self.camera(camera_id)
        return Response(
            RuleSerializer(get_object_or_404(selectors.rule_list(camera_id=camera.pk), pk=pk)).data
        )

    @extend_schema(request=RuleWriteSerializer, responses=RuleSerializer)
    def partial_update(self, request: Request, camera_id: str, pk: str) -> Response:
        camera = self.camera(camera_id)
        rule = get_object_or_404(selectors.rule_list(camera_id=camera.pk), pk=pk)
        data = RuleWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        rule = services.rule_update(rule=rule, data=dict(data.validated_data), actor=request.user)
        return Response(RuleSerializer(rule).data)

    def destroy(self, request: Request, camera_id: str, pk: str) -> Response:
        camera = self.camera(camera_id)
        rule = get_object_or_404(selectors.rule_list(camera_id=camera.pk), pk=pk)
        services.rule_delete(rule=rule, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
