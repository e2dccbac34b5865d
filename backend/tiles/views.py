"""`/tiles/<layer>/<z>/<x>/<y>.pbf` and the layer index `/tiles/`."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseNotModified
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.tiles.layers import CAMERA_POINT_MINZOOM, layer_list
from backend.tiles.selectors import tile_get

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


class TileView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]  # errors; tiles go out as raw bytes

    @extend_schema(
        responses={
            (200, MVT_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="MVT tile"),
            400: OpenApiResponse(description="unknown layer or z/x/y out of range"),
        },
        description="Mapbox Vector Tile of one layer (see GET /tiles/ for layers and properties).",
    )
    def get(self, request: Request, layer: str, z: str, x: str, y: str) -> HttpResponse:
        tile = tile_get(user=request.user, layer=layer, z=z, x=x, y=y)
        cache_control = f"private, max-age={tile.layer.max_age_s}"
        if request.headers.get("If-None-Match") == tile.etag:
            response: HttpResponse = HttpResponseNotModified()
        else:
            response = HttpResponse(tile.data, content_type=MVT_MEDIA_TYPE)
        response["Cache-Control"] = cache_control
        response["ETag"] = tile.etag
        response["Vary"] = "Authorization, Cookie"
        response["X-Tile-Cache"] = "hit" if tile.cached else "miss"
        return response


class TileIndexView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=dict)
    def get(self, request: Request) -> Response:
        base = request.build_absolute_uri("/tiles/")
        return Response(
            {
                "layers": [
                    {
                        "name": la.name,
                        "url": f"{base}{la.name}/{{z}}/{{x}}/{{y}}.pbf",
                        "minzoom": la.minzoom,
                        "maxzoom": la.maxzoom,
                        "scoped_to_user_districts": la.scoped,
                        "properties": la.properties,
                        "description": la.description,
                    }
                    for la in layer_list()
                ],
                "camera_points_from_zoom": CAMERA_POINT_MINZOOM,
            }
        )
