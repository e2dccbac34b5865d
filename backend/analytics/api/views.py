"""Analytics endpoints: thin views over selectors; GeoJSON for geometry, CSV for the table."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.analytics import selectors
from backend.analytics.api.serializers import (
    BlindSpotQuerySerializer,
    CoverageQuerySerializer,
    DistrictCoverageSerializer,
    DongCoverageQuerySerializer,
    DongCoverageSerializer,
    HotspotQuerySerializer,
    SiteQuerySerializer,
)
from backend.cameras.selectors import parse_bbox
from backend.common.exceptions import ApplicationError

HOTSPOT_GROUPS = {
    "hot": ["hot_99", "hot_95", "hot_90"],
    "cold": ["cold_99", "cold_95", "cold_90"],
}


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):  # type: ignore[no-untyped-def]
        import csv
        import io

        rows = data.get("results", []) if isinstance(data, dict) else data
        out = io.StringIO()
        if isinstance(data, dict) and "error" in data:
            return json.dumps(data).encode()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads Korean names


def _feature(geom: Any, props: dict[str, Any], pk: int) -> dict[str, Any]:
    return {"type": "Feature", "id": pk, "geometry": json.loads(geom.geojson), "properties": props}


def _bbox(request: Request) -> Any:
    raw = request.query_params.get("bbox")
    return parse_bbox(raw) if raw else None


class CoverageDistrictsView(APIView):
    """Coverage per district for a period: table (JSON) or CSV (`?format=csv`)."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(
        parameters=[CoverageQuerySerializer], responses=DistrictCoverageSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        period = selectors.period_parse(request.query_params.get("period"))
        rows = DistrictCoverageSerializer(selectors.coverage_list(period=period), many=True).data
        if request.accepted_renderer.format == "csv":
            response = Response(rows)
            response["Content-Disposition"] = f'attachment; filename="coverage_{period}.csv"'
            return response
        run = selectors.run_latest(kind="coverage")
        return Response(
            {
                "period": period,
                "method": run.method if run else None,
                "cameras": run.cameras if run else 0,
                "computed_at": run.created_at if run else None,
                "results": rows,
            }
        )


class CoverageDongsView(APIView):
    """Coverage per 행정동 (`?district=11140`, `?period=night`): table (JSON) or CSV.

    Empty, with ``dongs_available: false``, when the last run had no dong boundaries.
    """

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(
        parameters=[DongCoverageQuerySerializer], responses=DongCoverageSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        period = selectors.period_parse(request.query_params.get("period"))
        district = selectors.district_code_parse(request.query_params.get("district"))
        rows = DongCoverageSerializer(
            selectors.dong_coverage_list(period=period, district=district), many=True
        ).data
        if request.accepted_renderer.format == "csv":
            response = Response(rows)
            name = f"coverage_dongs_{district or 'seoul'}_{period}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        run = selectors.run_latest(kind="coverage")
        return Response(
            {
                "period": period,
                "district": district,
                "method": run.method if run else None,
                "dongs_available": bool(run and run.params.get("dongs")),
                "computed_at": run.created_at if run else None,
                "results": rows,
            }
        )


class BlindSpotsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[BlindSpotQuerySerializer], responses=dict)
    def get(self, request: Request) -> Response:
        q = request.query_params
        spots = selectors.blindspot_list(
            period=selectors.period_parse(q.get("period")),
            bbox=_bbox(request),
            limit=selectors.limit_parse(q.get("limit")),
            district=q.get("district") or None,
        )
        run = selectors.run_latest(kind="blindspots")
        return Response(
            {
                "type": "FeatureCollection",
                "method": run.method if run else None,
                "features": [
                    _feature(
                        s.geom,
                        {
                            "rank": s.rank,
                            "period": s.period,
                            "district": s.district.code,
                            "uncovered_m2": s.uncovered_m2,
                            "study_m2": s.study_m2,
                            "uncovered_pct": s.uncovered_pct,
                            "risk": s.risk,
                            "score": s.score,
                        },
                        s.pk,
                    )
                    for s in spots
                ],
            }
        )


class HotspotsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[HotspotQuerySerializer], responses=dict)
    def get(self, request: Request) -> Response:
        q = request.query_params
        classes: list[str] = []
        for part in filter(None, (q.get("class") or q.get("hotspot_class") or "").split(",")):
            classes.extend(HOTSPOT_GROUPS.get(part, [part]))
        valid = {*HOTSPOT_GROUPS["hot"], *HOTSPOT_GROUPS["cold"], "ns"}
        if set(classes) - valid:
            raise ApplicationError(
                f"class must be among {sorted(valid)}, hot, cold", code="bad_class"
            )
        cells = selectors.hotspot_list(
            bbox=_bbox(request), classes=classes, limit=selectors.limit_parse(q.get("limit"))
        )
        run = selectors.run_latest(kind="hotspots")
        return Response(
            {
                "type": "FeatureCollection",
                "method": run.method if run else None,
                "features": [
                    _feature(
                        c.geom,
                        {
                            "cell": c.cell,
                            "class": c.hotspot_class,
                            "count": c.count,
                            "kde": c.kde,
                            "gi_z": c.gi_z,
                            "gi_p": c.gi_p,
                            "covered_share": c.covered_share,
                        },
                        c.pk,
                    )
                    for c in cells
                ],
            }
        )


class SitesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[SiteQuerySerializer], responses=dict)
    def get(self, request: Request) -> Response:
        run = selectors.run_latest(kind="sites")
        available = selectors.site_list(k=10**6).count()
        if not available:
            raise ApplicationError("no sites computed yet; run compute_analytics", code="no_data")
        k = selectors.k_parse(request.query_params.get("k"), available=available)
        sites = list(selectors.site_list(k=k))
        return Response(
            {
                "type": "FeatureCollection",
                "method": run.method if run else None,
                "k": k,
                "coverage_gain_m2": sum(s.gain_m2 for s in sites),
                "demand_covered_pct": sites[-1].cumulative_pct if sites else 0.0,
                "features": [
                    _feature(
                        s.location,
                        {
                            "rank": s.rank,
                            "district": s.district.code if s.district else None,
                            "gain": s.gain,
                            "gain_pct": s.gain_pct,
                            "cumulative_pct": s.cumulative_pct,
                            "gain_m2": s.gain_m2,
                        },
                        s.pk,
                    )
                    for s in sites
                ],
            }
        )
