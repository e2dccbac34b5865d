// Planning: coverage per district (choropleth + table + bar chart), blind-spot and hotspot
// layers, day/night toggle, recommended sites with their coverage gain, exports.

import type { Map as MapLibreMap } from "maplibre-gl";

import { api, type District } from "../api";
import { clear, formatNumber, h } from "../dom";
import { lang, t } from "../i18n";
import { createMap } from "../map/createMap";
import { tileUrl } from "../map/layers";

export interface CoverageRow {
  code: string;
  name_ko: string;
  name_en: string;
  area_km2: number;
  covered_km2: number;
  coverage_pct: number | null;
  redundancy: number | null;
  cameras: number;
}

interface CoverageResponse {
  period: string;
  method: string | null;
  computed_at: string | null;
  results: CoverageRow[];
}

/** Colour ramp for coverage % (with the numeric value always shown next to it). */
export function coverageColor(pct: number): string {
  const ramp = ["#b71c1c", "#e65100", "#f9a825", "#9ccc65", "#2e7d32"];
  const index = Math.min(ramp.length - 1, Math.max(0, Math.floor(pct / 20)));
  return ramp[index] ?? "#999";
}

export function renderPlanning(root: HTMLElement, _districts: District[]): () => void {
  let period: "day" | "night" = "day";
  const mapEl = h("div", { class: "map", id: "map", role: "region", "aria-label": "Map" });
  const table = h("table", { class: "coverage", "aria-label": t("coverage") });
  const chart = h("div", { class: "chart", role: "img", "aria-label": "Coverage by district chart" });
  const sites = h("ol", { class: "sites", "aria-label": "Recommended sites" });
  const status = h("p", { role: "status" });
  const toggle = h(
    "div",
    { class: "toggle", role: "group", "aria-label": "Day or night" },
    h("button", { type: "button", "aria-pressed": "true", onclick: () => setPeriod("day") }, t("day")),
    h("button", { type: "button", "aria-pressed": "false", onclick: () => setPeriod("night") }, t("night")),
  );
  const exports = h(
    "p",
    { class: "exports" },
    h("a", { href: "/api/v1/coverage/districts/?format=csv", download: "coverage.csv" }, "CSV"),
    " · ",
    h("a", { href: "/api/v1/coverage/blindspots/?limit=500", download: "blindspots.geojson" }, "Blind spots GeoJSON"),
    " · ",
    h("button", { type: "button", onclick: () => exportPng(map) }, "Map PNG"),
  );
  root.replaceChildren(
    h(
      "main",
      { class: "planning" },
      mapEl,
      h(
        "aside",
        { class: "sidebar" },
        h("h2", {}, t("coverage")),
        toggle,
        legend(),
        status,
        table,
        chart,
        h("h2", {}, "Recommended sites"),
        sites,
        exports,
      ),
    ),
  );
  const map = createMap(mapEl);
  map.on("load", () => addPlanningLayers(map));

  async function load(): Promise<void> {
    status.textContent = t("loading");
    try {
      const body = await api<CoverageResponse>(`/api/v1/coverage/districts/?period=${period}`);
      status.textContent = body.results.length
        ? `${body.method ?? ""} (${body.computed_at ? new Date(body.computed_at).toLocaleString() : ""})`
        : "Coverage has not been computed yet (manage.py compute_analytics).";
      renderTable(table, chart, body.results);
      colourDistricts(map, body.results);
    } catch (err) {
      status.textContent = `Coverage not available: ${String(err)}`;
    }
    try {
      const fc = await api<GeoJSON.FeatureCollection>("/api/v1/planning/sites/?k=20");
      clear(sites);
      for (const f of fc.features) {
        const p = f.properties ?? {};
        sites.append(h("li", {}, `#${p.rank} +${Number(p.gain_pct ?? 0).toFixed(2)} % (${formatNumber(Math.round(Number(p.gain_m2 ?? 0)))} m²)`));
      }
    } catch {
      sites.replaceChildren(h("li", {}, "—"));
    }
  }

  function setPeriod(next: "day" | "night"): void {
    period = next;
    for (const b of toggle.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.textContent === t(next)));
    void load();
  }

  void load();
  return () => map.remove();
}

function renderTable(table: HTMLTableElement, chart: HTMLElement, rows: CoverageRow[]): void {
  const pct = (r: CoverageRow) => r.coverage_pct ?? 0;
  const sorted = [...rows].sort((a, b) => pct(a) - pct(b));
  table.replaceChildren(
    h("thead", {}, h("tr", {}, h("th", {}, t("district")), h("th", {}, t("cameras")), h("th", {}, "km²"), h("th", {}, `${t("coverage")} %`), h("th", {}, "Redundancy"))),
    h(
      "tbody",
      {},
      ...sorted.map((r) =>
        h(
          "tr",
          { "data-district": r.code },
          h("td", {}, lang() === "ko" ? r.name_ko : r.name_en),
          h("td", {}, formatNumber(r.cameras)),
          h("td", {}, r.area_km2.toFixed(1)),
          h("td", {}, h("span", { class: "swatch", style: `background:${coverageColor(pct(r))}` }), ` ${r.coverage_pct === null ? "—" : r.coverage_pct.toFixed(1)}`),
          h("td", {}, r.redundancy === null ? "—" : r.redundancy.toFixed(2)),
        ),
      ),
    ),
  );
  chart.replaceChildren(
    ...sorted.map((r) =>
      h("div", { class: "bar" }, h("span", { class: "bar-label" }, lang() === "ko" ? r.name_ko : r.name_en), h("span", { class: "bar-fill", style: `width:${Math.min(100, pct(r))}%;background:${coverageColor(pct(r))}` })),
    ),
  );
}

function legend(): HTMLElement {
  return h(
    "ul",
    { class: "legend", "aria-label": "Legend" },
    ...[0, 20, 40, 60, 80].map((lo) => h("li", {}, h("span", { class: "swatch", style: `background:${coverageColor(lo)}` }), ` ${lo}–${lo + 20} %`)),
    h("li", {}, h("span", { class: "swatch blind" }), " Blind spot"),
    h("li", {}, h("span", { class: "swatch hot" }), " Hotspot (Gi*)"),
  );
}

function addPlanningLayers(map: MapLibreMap): void {
  const origin = window.location.origin;
  map.addSource("blindspots", { type: "vector", tiles: [tileUrl(origin, "blindspots")] });
  map.addSource("hotspots", { type: "vector", tiles: [tileUrl(origin, "hotspots")] });
  // Only significant hot cells (Getis-Ord Gi* at 90/95/99 % confidence); cold and "ns" stay clear.
  map.addLayer({
    id: "hotspots",
    type: "fill",
    source: "hotspots",
    "source-layer": "hotspots",
    filter: ["in", ["get", "class"], ["literal", ["hot_90", "hot_95", "hot_99"]]],
    paint: { "fill-color": ["match", ["get", "class"], "hot_99", "#880e4f", "hot_95", "#c2185b", "#f06292"], "fill-opacity": 0.45 },
  }, "cameras-density");
  map.addLayer({ id: "blindspots", type: "fill", source: "blindspots", "source-layer": "blindspots", paint: { "fill-color": "#212121", "fill-opacity": 0.35 } }, "cameras-density");
}

function colourDistricts(map: MapLibreMap, rows: CoverageRow[]): void {
  const apply = () => {
    const expr: unknown[] = ["match", ["get", "code"]];
    for (const r of rows) expr.push(r.code, coverageColor(r.coverage_pct ?? 0));
    expr.push("#ffffff");
    if (rows.length) map.setPaintProperty("districts-fill", "fill-color", expr as never);
    map.setPaintProperty("districts-fill", "fill-opacity", 0.55);
  };
  if (map.isStyleLoaded()) apply();
  else map.once("load", apply);
}

function exportPng(map: MapLibreMap): void {
  const link = document.createElement("a");
  link.href = map.getCanvas().toDataURL("image/png");
  link.download = "haechi-map.png";
  link.click();
}
