// MapLibre style for the dashboard: no external basemap by default (offline control rooms),
// districts, cameras from vector tiles (density at low zoom, points and FOV cones up close),
// live alerts from a small GeoJSON source. Pure functions, unit-tested.

import type { LayerSpecification, SourceSpecification, StyleSpecification } from "maplibre-gl";

export const SEOUL_CENTER: [number, number] = [126.978, 37.5665];
export const CAMERA_POINT_MINZOOM = 12;
export const FOV_MINZOOM = 16;

export const STATUS_COLORS: Record<string, string> = {
  online: "#2e7d32",
  degraded: "#f9a825",
  offline: "#c62828",
  maintenance: "#6a1b9a",
  planned: "#78909c",
};

export const SEVERITY_COLORS: Record<string, string> = {
  critical: "#b71c1c",
  high: "#e53935",
  medium: "#fb8c00",
  low: "#fdd835",
};

export function tileUrl(origin: string, layer: string): string {
  return `${origin}/tiles/${layer}/{z}/{x}/{y}.pbf`;
}

export function sources(origin: string): Record<string, SourceSpecification> {
  return {
    districts: { type: "vector", tiles: [tileUrl(origin, "districts")], minzoom: 0, maxzoom: 14 },
    // feature id = camera pk (set by the tile query), used for the "alerting" feature-state
    cameras: { type: "vector", tiles: [tileUrl(origin, "cameras")], minzoom: 0, maxzoom: 16 },
    fov: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
    alerts: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
  };
}

const statusColor: unknown[] = ["match", ["get", "status"]];
for (const [status, color] of Object.entries(STATUS_COLORS)) statusColor.push(status, color);
statusColor.push("#455a64");

const severityColor: unknown[] = ["match", ["get", "severity"]];
for (const [severity, color] of Object.entries(SEVERITY_COLORS)) severityColor.push(severity, color);
severityColor.push("#e53935");

export function layers(): LayerSpecification[] {
  return [
    { id: "background", type: "background", paint: { "background-color": "#eef1f4" } },
    {
      id: "districts-fill",
      type: "fill",
      source: "districts",
      "source-layer": "districts",
      paint: { "fill-color": "#ffffff", "fill-opacity": 0.85 },
    },
    {
      id: "districts-line",
      type: "line",
      source: "districts",
      "source-layer": "districts",
      paint: { "line-color": "#5c6bc0", "line-width": 1.2 },
    },
    {
      id: "cameras-density",
      type: "circle",
      source: "cameras",
      "source-layer": "cameras",
      maxzoom: CAMERA_POINT_MINZOOM,
      filter: ["has", "count"],
      paint: {
        "circle-color": "#1e88e5",
        "circle-opacity": 0.55,
        "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "count"]], 1, 2, 30, 14, 100, 24],
      },
    },
    {
      id: "fov-cones",
      type: "fill",
      source: "fov",
      minzoom: FOV_MINZOOM,
      paint: { "fill-color": statusColor as never, "fill-opacity": 0.15 },
    },
    {
      id: "cameras-points",
      type: "circle",
      source: "cameras",
      "source-layer": "cameras",
      minzoom: CAMERA_POINT_MINZOOM,
      filter: ["!", ["has", "count"]],
      paint: {
        "circle-color": statusColor as never,
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 2, 16, 5],
        "circle-stroke-color": [
          "case",
          ["boolean", ["feature-state", "alerting"], false],
          "#d50000",
          ["get", "has_ai"],
          "#0d47a1",
          "#ffffff",
        ],
        "circle-stroke-width": ["case", ["boolean", ["feature-state", "alerting"], false], 4, 1],
      },
    },
    {
      id: "alerts",
      type: "circle",
      source: "alerts",
      paint: {
        "circle-color": severityColor as never,
        "circle-radius": ["match", ["get", "severity"], "critical", 11, "high", 9, 7],
        "circle-stroke-color": "#fff",
        "circle-stroke-width": 2,
      },
    },
  ];
}

/** The whole style. No glyphs: labels are HTML (Korean and English), so no font server is needed. */
export function dashboardStyle(origin: string): StyleSpecification {
  return {
    version: 8,
    sources: sources(origin),
    layers: layers(),
  };
}

export interface AlertPoint {
  id: number;
  lon: number;
  lat: number;
  severity: string;
  type: string;
  status: string;
}

export function alertFeatures(alerts: AlertPoint[]): GeoJSON.FeatureCollection {
  return {
    type: "FeatureCollection",
    features: alerts.map((a) => ({
      type: "Feature",
      id: a.id,
      properties: { severity: a.severity, type: a.type, status: a.status },
      geometry: { type: "Point", coordinates: [a.lon, a.lat] },
    })),
  };
}
