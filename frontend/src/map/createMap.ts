// Builds the MapLibre map for a page and keeps FOV cones in sync at high zoom.

import { type GeoJSONSource, Map as MapLibreMap, NavigationControl, setWorkerUrl } from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
// MapLibre's tile-parsing worker, bundled by Vite as its own ES module chunk.
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?worker&url";

import { type CameraView, fovFeatureCollection } from "./fov";
import { dashboardStyle, FOV_MINZOOM, SEOUL_CENTER } from "./layers";

declare global {
  interface Window {
    HAECHI_CONFIG?: { basemapStyleUrl: string | null };
    haechiMap?: MapLibreMap;
  }
}

const MAX_CONES = 500;
setWorkerUrl(workerUrl);

export function createMap(container: HTMLElement): MapLibreMap {
  const origin = window.location.origin;
  const map = new MapLibreMap({
    container,
    style: dashboardStyle(origin),
    center: SEOUL_CENTER,
    zoom: 10.5,
    minZoom: 9,
    maxZoom: 19,
    attributionControl: false,
    canvasContextAttributes: { preserveDrawingBuffer: true }, // "export map PNG"
  });
  map.addControl(new NavigationControl({ showCompass: true }), "top-left");
  // "idle": after a move, once the new tiles are drawn (queryRenderedFeatures needs them).
  map.on("idle", () => updateCones(map));
  window.haechiMap = map; // for browser tests and debugging
  return map;
}

const drawnCones = new WeakMap<MapLibreMap, string>();

function updateCones(map: MapLibreMap): void {
  const source = map.getSource("fov") as GeoJSONSource | undefined;
  if (!source) return;
  if (map.getZoom() < FOV_MINZOOM) {
    if (drawnCones.get(map)) source.setData({ type: "FeatureCollection", features: [] });
    drawnCones.set(map, "");
    return;
  }
  const seen = new Set<number | string>();
  const views: CameraView[] = [];
  for (const f of map.queryRenderedFeatures({ layers: ["cameras-points"] })) {
    const id = f.id ?? (f.properties?.id as number);
    if (seen.has(id) || views.length >= MAX_CONES || f.geometry.type !== "Point") continue;
    seen.add(id);
    const [lon, lat] = f.geometry.coordinates as [number, number];
    const p = f.properties ?? {};
    views.push({
      id,
      lon,
      lat,
      heading_deg: p.heading_deg === undefined || p.heading_deg === null ? null : Number(p.heading_deg),
      fov_deg: Number(p.fov_deg ?? 90),
      range_m: Number(p.range_m ?? 30),
      status: String(p.status ?? "online"),
    });
  }
  // setData re-renders and fires "idle" again: only redraw when the visible cameras changed.
  const key = views.map((v) => `${v.id}:${v.heading_deg}:${v.fov_deg}:${v.range_m}`).join(",");
  if (key === drawnCones.get(map)) return;
  drawnCones.set(map, key);
  source.setData(fovFeatureCollection(views));
}
