// Registry: camera table over the whole registry (server-side search/filter/pagination),
// camera edit with a live FOV preview, bulk import with the per-row report, health and rollout.

import { type GeoJSONSource, Map as MapLibreMap, Marker } from "maplibre-gl";

import { api, ApiError, type District, type Me, post, type Rollout } from "../api";
import { clear, formatNumber, h } from "../dom";
import { lang, t } from "../i18n";
import { fovFeatureCollection } from "../map/fov";
import { dashboardStyle } from "../map/layers";
import { ANALYSIS_STATES, analysisDetail, cameraAnalysis, cameraQuery, unwatchedByDistrict, unwatchedTotal, watchingCell } from "./watching";

interface CameraFeature {
  id: number;
  geometry: { coordinates: [number, number] };
  properties: Record<string, unknown>;
}

interface Page {
  count: number;
  features: CameraFeature[];
}

interface ImportReport {
  rows: number;
  cameras: number;
  created: number;
  updated: number;
  rejected: number;
  committed: boolean;
  error: string;
  errors: { row: number; field: string; reason: string }[];
}

const PAGE_SIZE = 50;
const STATUSES = ["online", "offline", "degraded", "maintenance", "planned"];
const KINDS = ["legacy", "replaced_ai", "upgraded_ai", "new_ai"];

export function renderRegistry(root: HTMLElement, me: Me, districts: District[]): void {
  const isAdmin = me.role === "admin";
  let offset = 0;
  const q = h("input", { type: "search", placeholder: t("search"), "aria-label": t("search") });
  const status = select(t("allStatuses"), STATUSES.map((s) => [s, s]));
  const kind = select(t("kind"), KINDS.map((k) => [k, k]));
  const district = select(
    t("allDistricts"),
    districts.map((d) => [d.code, lang() === "ko" ? d.name_ko : d.name_en]),
  );
  const watching = select(t("allWatching"), ANALYSIS_STATES.map((s) => [s, watchingCell(s, null).text]));
  watching.classList.add("watching-filter");
  const tbody = h("tbody");
  const pager = h("p", { class: "pager", "aria-live": "polite" });
  const detail = h("section", { class: "camera-detail", "aria-label": t("camera") });
  const rollout = api<Rollout>("/api/v1/cameras/rollout/");

  async function load(): Promise<void> {
    const params = cameraQuery(
      { q: q.value, status: status.value, kind: kind.value, district: district.value, analysis: watching.value },
      PAGE_SIZE,
      offset,
    );
    const page = await api<Page>(`/api/v1/cameras/?${params}`);
    clear(tbody);
    for (const f of page.features) {
      const p = f.properties;
      const { state, analysis } = cameraAnalysis(p);
      const watch = watchingCell(state, analysis);
      const row = h(
        "tr",
        { tabindex: 0, "data-camera": String(p.code) },
        h("td", {}, String(p.code)),
        h("td", {}, String(p.district_name)),
        h("td", {}, String(p.kind)),
        h("td", { class: `status status-${p.status}` }, String(p.status)),
        h("td", {}, p.has_ai ? "AI" : "—"),
        h("td", { class: watch.className, title: watch.title, "data-analysis-state": state ?? "" }, watch.text),
        h("td", {}, p.heading_deg === null ? "—" : `${p.heading_deg}°`),
      );
      const open = () => showCamera(detail, f, isAdmin, load);
      row.addEventListener("click", open);
      row.addEventListener("keydown", (e) => e.key === "Enter" && open());
      tbody.appendChild(row);
    }
    const last = Math.min(offset + PAGE_SIZE, page.count);
    pager.replaceChildren(
      h("button", { type: "button", disabled: offset === 0, onclick: () => { offset -= PAGE_SIZE; void load(); } }, t("previous")),
      ` ${formatNumber(page.count ? offset + 1 : 0)}–${formatNumber(last)} / ${formatNumber(page.count)} `,
      h("button", { type: "button", disabled: last >= page.count, onclick: () => { offset += PAGE_SIZE; void load(); } }, t("next")),
    );
  }

  for (const control of [status, kind, district, watching]) control.addEventListener("change", () => { offset = 0; void load(); });
  let debounce = 0;
  q.addEventListener("input", () => {
    window.clearTimeout(debounce);
    debounce = window.setTimeout(() => { offset = 0; void load(); }, 250);
  });

  const table = h(
    "table",
    { class: "cameras", "aria-label": t("cameras") },
    h("thead", {}, h("tr", {}, ...["Code", t("district"), t("kind"), t("status"), "AI", t("watching"), "Heading"].map((c) => h("th", {}, c)))),
    tbody,
  );
  root.replaceChildren(
    h(
      "main",
      { class: "registry" },
      h("section", { class: "registry-list" }, h("div", { class: "filters" }, q, district, status, kind, watching), table, pager),
      h("aside", { class: "registry-side" }, detail, isAdmin ? importForm(load) : null, healthPanel(districts, rollout), rolloutPanel(rollout)),
    ),
  );
  void load();
}

function select(label: string, options: [string, string][]): HTMLSelectElement {
  return h("select", { "aria-label": label }, h("option", { value: "" }, label), ...options.map(([v, l]) => h("option", { value: v }, l)));
}

let editMap: MapLibreMap | null = null;

function showCamera(panel: HTMLElement, f: CameraFeature, editable: boolean, reload: () => Promise<void>): void {
  const p = f.properties;
  const fields: [string, string, number | null][] = [
    ["heading_deg", "Heading (°)", p.heading_deg as number | null],
    ["fov_deg", "FOV (°)", p.fov_deg as number],
    ["range_m", "Range (m)", p.range_m as number],
  ];
  const inputs = new Map<string, HTMLInputElement>();
  const message = h("p", { role: "status" });
  const form = h("form", { class: "camera-form" });
  for (const [name, label, value] of fields) {
    const input = h("input", { id: `cam-${name}`, name, type: "number", step: "any", value: value ?? "", disabled: !editable });
    inputs.set(name, input);
    form.append(h("label", { for: `cam-${name}` }, label), input);
  }
  let [lon, lat] = f.geometry.coordinates;
  const where = h("p", {}, "");
  const showWhere = () => (where.textContent = `${String(p.district_name)} · ${lon.toFixed(5)}, ${lat.toFixed(5)} · ${String(p.kind)} · ${String(p.status)}`);
  showWhere();
  const mapEl = h("div", { class: "edit-map", role: "region", "aria-label": "Camera position and view" });
  const cone = () =>
    fovFeatureCollection([
      {
        id: f.id,
        lon,
        lat,
        heading_deg: inputs.get("heading_deg")?.value === "" ? null : Number(inputs.get("heading_deg")?.value),
        fov_deg: Number(inputs.get("fov_deg")?.value || 90),
        range_m: Number(inputs.get("range_m")?.value || 30),
        status: String(p.status),
      },
    ]);
  if (editable) {
    form.append(h("button", { type: "submit" }, "Save"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body: Record<string, number | null> = { lon, lat };
      for (const [name, input] of inputs) body[name] = input.value === "" ? null : Number(input.value);
      try {
        await api(`/api/v1/cameras/${f.id}/`, { method: "PATCH", body: JSON.stringify(body) });
        message.textContent = "Saved.";
        await reload();
      } catch (err) {
        message.textContent = err instanceof ApiError ? JSON.stringify((err.body as { error?: unknown }).error) : String(err);
      }
    });
  }
  const { state, analysis } = cameraAnalysis(p);
  const rows = analysisDetail(state, analysis);
  const watch = rows.length
    ? h("dl", { class: `analysis watch-${state}`, "aria-label": t("watching") }, ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))
    : null;
  panel.replaceChildren(h("h2", {}, `${t("camera")} ${String(p.code)}`), where, h("p", {}, `${String(p.address ?? "")}`), ...(watch ? [watch] : []), mapEl, form, message);
  editMap?.remove();
  const map = new MapLibreMap({ container: mapEl, style: dashboardStyle(window.location.origin), center: [lon, lat], zoom: 17, attributionControl: false });
  editMap = map;
  map.on("load", () => {
    map.addSource("edit-cone", { type: "geojson", data: cone() });
    map.addLayer({ id: "edit-cone", type: "fill", source: "edit-cone", paint: { "fill-color": "#1e88e5", "fill-opacity": 0.3 } });
    const marker = new Marker({ draggable: editable }).setLngLat([lon, lat]).addTo(map);
    const redraw = () => (map.getSource("edit-cone") as GeoJSONSource | undefined)?.setData(cone());
    marker.on("drag", () => {
      ({ lng: lon, lat } = marker.getLngLat());
      showWhere();
      redraw();
    });
    for (const input of inputs.values()) input.addEventListener("input", redraw);
  });
}

function importForm(reload: () => Promise<void>): HTMLElement {
  const file = h("input", { type: "file", name: "file", accept: ".csv,.geojson,.json", "aria-label": t("importTitle"), required: true });
  const skip = h("input", { type: "checkbox", id: "skip-invalid", name: "skip_invalid" });
  const report = h("div", { class: "import-report", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "import" },
    h("h2", {}, t("importTitle")),
    file,
    h("label", { for: "skip-invalid" }, skip, ` ${t("skipInvalid")}`),
    h("button", { type: "submit" }, t("importButton")),
    report,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData();
    const chosen = file.files?.[0];
    if (!chosen) return;
    data.set("file", chosen);
    data.set("skip_invalid", skip.checked ? "true" : "false");
    report.textContent = t("loading");
    try {
      showReport(report, await post<ImportReport>("/api/v1/cameras/import/", data));
      await reload();
    } catch (err) {
      if (err instanceof ApiError && (err.body as ImportReport | null)?.errors) showReport(report, err.body as ImportReport);
      else report.textContent = String(err);
    }
  });
  return form;
}

function showReport(el: HTMLElement, r: ImportReport): void {
  const summary = r.error
    ? r.error
    : `${r.committed ? "Imported" : "Nothing imported"}: ${r.created} created, ${r.updated} updated, ${r.rejected} rejected (${r.rows} rows).`;
  el.replaceChildren(
    h("p", { class: r.committed ? "ok" : "error" }, summary),
    r.errors.length
      ? h(
          "table",
          { class: "report" },
          h("thead", {}, h("tr", {}, h("th", {}, t("row")), h("th", {}, t("field")), h("th", {}, t("reason")))),
          h("tbody", {}, ...r.errors.map((e) => h("tr", {}, h("td", {}, e.row), h("td", {}, e.field), h("td", {}, e.reason)))),
        )
      : "",
  );
}

function healthPanel(districts: District[], rollout: Promise<Rollout>): HTMLElement {
  const rows = [...districts].sort((a, b) => b.offline_count / (b.camera_count || 1) - a.offline_count / (a.camera_count || 1));
  const unwatchedCells = new Map(rows.map((d) => [d.code, h("td", { class: "unwatched", "data-district": d.code }, "…")]));
  const total = h("p", { class: "unwatched-total" });
  const show = (r: Rollout | null) => {
    const counts = unwatchedByDistrict(r, districts);
    for (const [code, cell] of unwatchedCells) {
      const n = counts.get(code);
      cell.textContent = n === undefined ? "—" : formatNumber(n);
      cell.classList.toggle("has-unwatched", (n ?? 0) > 0);
    }
    const sum = unwatchedTotal(r, counts);
    total.textContent = sum === null ? "" : `${t("unwatchedTotal")}: ${formatNumber(sum)}`;
  };
  show(null);
  void rollout.then(show, () => show(null));
  return h(
    "section",
    { class: "health", "aria-label": t("health") },
    h("h2", {}, t("health")),
    total,
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, t("district")), h("th", {}, t("cameras")), h("th", {}, t("offline")), h("th", {}, t("unwatchedAi")))),
      h(
        "tbody",
        {},
        ...rows.map((d) =>
          h(
            "tr",
            { "data-district": d.code },
            h("td", {}, lang() === "ko" ? d.name_ko : d.name_en),
            h("td", {}, formatNumber(d.camera_count)),
            h("td", {}, formatNumber(d.offline_count)),
            unwatchedCells.get(d.code),
          ),
        ),
      ),
    ),
  );
}

function rolloutPanel(rollout: Promise<Rollout>): HTMLElement {
  const panel = h("section", { class: "rollout", "aria-label": t("rollout") }, h("h2", {}, t("rollout")));
  void rollout.then((r) => {
    for (const kind of ["replaced_ai", "upgraded_ai", "new_ai"]) {
      const have = r.kinds[kind]?.total ?? 0;
      const live = r.kinds[kind]?.stages.live ?? 0;
      const plan = r.plan[kind] ?? 0;
      panel.append(
        h("p", {}, `${kind}: ${formatNumber(live)} live / ${formatNumber(have)} registered / plan ${formatNumber(plan)}`),
        h("progress", { max: plan || 1, value: live, "aria-label": kind }),
      );
    }
    panel.append(h("p", {}, `Phase 1 (parks, trails, crowded areas): ${formatNumber(r.phase1.live)} live of ${formatNumber(r.phase1.total)} (plan ${formatNumber(r.plan.phase1 ?? 0)})`));
  });
  return panel;
}
