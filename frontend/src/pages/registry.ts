// Registry: camera table over the whole registry (server-side search/filter/pagination),
// camera edit with a live FOV preview, bulk import with the per-row report, health and rollout.

import { type GeoJSONSource, Map as MapLibreMap, Marker } from "maplibre-gl";

import { api, ApiError, type District, type Me, post, type Rollout } from "../api";
import { clear, formatNumber, h } from "../dom";
import { lang, t } from "../i18n";
import { fovFeatureCollection } from "../map/fov";
import { dashboardStyle } from "../map/layers";
import { type AddCameraInput, type AddField, buildCameraPayload, DETAIL_REFRESH_MS, type FieldErrors, serverErrors } from "./addCamera";
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
const SEOUL_CITY_HALL: [number, number] = [126.978, 37.5665];

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
      const open = () => showCamera(detail, f, isAdmin, load, tbody);
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

  const addButton = isAdmin
    ? h("button", { type: "button", class: "add-camera" }, t("addCamera"))
    : null;
  addButton?.addEventListener("click", () =>
    showAddCamera(detail, async (created) => {
      // show the new camera in the table (search for its code) and open its detail
      for (const control of [status, kind, district, watching]) control.value = "";
      q.value = String(created.properties.code);
      offset = 0;
      await load();
      showCamera(detail, created, isAdmin, load, tbody);
    }),
  );

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
      h("aside", { class: "registry-side" }, addButton, detail, isAdmin ? importForm(load) : null, healthPanel(districts, rollout), rolloutPanel(rollout)),
    ),
  );
  void load();
}

function select(label: string, options: [string, string][]): HTMLSelectElement {
  return h("select", { "aria-label": label }, h("option", { value: "" }, label), ...options.map(([v, l]) => h("option", { value: v }, l)));
}

let editMap: MapLibreMap | null = null;
let detailTimer = 0;

function stopDetailRefresh(): void {
  window.clearInterval(detailTimer);
  detailTimer = 0;
}

/** The camera detail's "Watching" rows (empty for a camera that is not analysable). */
function watchList(props: Record<string, unknown>): HTMLElement | null {
  const { state, analysis } = cameraAnalysis(props);
  const rows = analysisDetail(state, analysis);
  return rows.length
    ? h("dl", { class: `analysis watch-${state}`, "aria-label": t("watching"), "data-analysis-state": state ?? "" }, ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))
    : null;
}

/** Re-read the open camera's analysis state every few seconds, so "not watched" turns into
 * "watched" (or an error) without a reload; updates the detail and the camera's table row. */
function startDetailRefresh(panel: HTMLElement, slot: HTMLElement, f: CameraFeature, tbody: HTMLElement | null): void {
  stopDetailRefresh();
  const timer = window.setInterval(async () => {
    if (!panel.isConnected || !slot.isConnected) {
      if (detailTimer === timer) stopDetailRefresh();
      return;
    }
    try {
      const fresh = await api<CameraFeature>(`/api/v1/cameras/${f.id}/`);
      if (detailTimer !== timer || !slot.isConnected) return;
      slot.replaceChildren(...[watchList(fresh.properties)].filter((el): el is HTMLElement => el !== null));
      const cell = tbody?.querySelector<HTMLElement>(`tr[data-camera="${CSS.escape(String(fresh.properties.code))}"] td.watch`);
      if (cell) {
        const { state, analysis } = cameraAnalysis(fresh.properties);
        const watch = watchingCell(state, analysis);
        cell.className = watch.className;
        cell.textContent = watch.text;
        cell.dataset.analysisState = state ?? "";
        if (watch.title) cell.title = watch.title;
        else cell.removeAttribute("title");
      }
    } catch {
      // a failed poll keeps what is shown; the next one tries again
    }
  }, DETAIL_REFRESH_MS);
  detailTimer = timer;
}

function showCamera(panel: HTMLElement, f: CameraFeature, editable: boolean, reload: () => Promise<void>, tbody: HTMLElement | null = null): void {
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
  const watchSlot = h("div", { class: "analysis-slot", "aria-live": "polite" }, watchList(p));
  panel.replaceChildren(h("h2", {}, `${t("camera")} ${String(p.code)}`), where, h("p", {}, `${String(p.address ?? "")}`), watchSlot, mapEl, form, message);
  panel.dataset.camera = String(p.code);
  startDetailRefresh(panel, watchSlot, f, tbody);
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

/** The "Add camera" form in the detail panel (admins): position by clicking the small map or
 * typing lon/lat, then POST /api/v1/cameras/. The server's 400 is shown next to the fields it
 * names and every typed value is kept; on success `created` gets the new camera's feature. */
function showAddCamera(panel: HTMLElement, created: (f: CameraFeature) => Promise<void>): void {
  stopDetailRefresh();
  delete panel.dataset.camera;
  const form = h("form", { class: "camera-form add-camera-form", novalidate: true });
  const errorEls = new Map<AddField, HTMLElement>();
  const field = (name: AddField, label: string, input: HTMLElement): void => {
    const error = h("p", { class: "field-error error", "data-error-for": name, id: `add-${name}-error`, "aria-live": "polite" });
    errorEls.set(name, error);
    input.setAttribute("aria-describedby", error.id);
    form.append(h("label", { for: `add-${name}` }, label), input, error);
  };
  const text = (name: AddField, attrs: Record<string, string | boolean> = {}) =>
    h("input", { id: `add-${name}`, name, type: "text", autocomplete: "off", ...attrs });
  const number = (name: AddField, attrs: Record<string, string> = {}) => h("input", { id: `add-${name}`, name, type: "number", step: "any", ...attrs });
  const code = text("code", { required: true, maxlength: "64" });
  const lon = number("lon", { min: "126.7", max: "127.3" });
  const lat = number("lat", { min: "37.4", max: "37.75" });
  const stream = text("stream_url", { placeholder: "rtsp://host:554/path", maxlength: "512" });
  const hasAi = h("input", { id: "add-has_ai", name: "has_ai", type: "checkbox", checked: true });
  const status = h("select", { id: "add-status", name: "status" }, ...STATUSES.map((v) => h("option", { value: v, selected: v === "online" }, v)));
  const kind = h("select", { id: "add-kind", name: "kind" }, ...KINDS.map((v) => h("option", { value: v, selected: v === "new_ai" }, v)));
  const heading = number("heading_deg", { min: "0", max: "360" });
  const fov = number("fov_deg", { min: "1", max: "360" });
  const range = number("range_m", { min: "1", max: "300" });
  field("code", t("code"), code);
  field("lon", t("longitude"), lon);
  field("lat", t("latitude"), lat);
  field("stream_url", t("streamUrl"), stream);
  field("has_ai", t("aiEnabled"), hasAi);
  field("status", t("status"), status);
  field("kind", t("kind"), kind);
  field("heading_deg", t("headingOptional"), heading);
  field("fov_deg", t("fovOptional"), fov);
  field("range_m", t("rangeOptional"), range);
  const formError = h("p", { class: "form-error error", role: "alert", "data-error-for": "form" });
  errorEls.set("form", formError);
  const submit = h("button", { type: "submit" }, t("create"));
  const cancel = h("button", { type: "button", onclick: () => { editMap?.remove(); editMap = null; panel.replaceChildren(); } }, t("cancel"));
  form.append(formError, h("div", { class: "form-actions" }, submit, " ", cancel));

  const showErrors = (errors: FieldErrors): void => {
    for (const [name, el] of errorEls) {
      const messages = errors[name] ?? [];
      el.textContent = messages.join(" ");
      const input = form.querySelector(`#add-${name}`);
      if (messages.length) input?.setAttribute("aria-invalid", "true");
      else input?.removeAttribute("aria-invalid");
    }
  };
  const values = (): AddCameraInput => ({
    code: code.value,
    lon: lon.value,
    lat: lat.value,
    stream_url: stream.value,
    has_ai: hasAi.checked,
    status: status.value,
    kind: kind.value,
    heading_deg: heading.value,
    fov_deg: fov.value,
    range_m: range.value,
  });

  const mapEl = h("div", { class: "edit-map", role: "region", "aria-label": t("addCameraHint") });
  panel.replaceChildren(h("h2", {}, t("addCamera")), h("p", { class: "hint" }, t("addCameraHint")), mapEl, form);
  editMap?.remove();
  const map = new MapLibreMap({ container: mapEl, style: dashboardStyle(window.location.origin), center: SEOUL_CITY_HALL, zoom: 11, attributionControl: false });
  editMap = map;
  const marker = new Marker({ draggable: true });
  const place = (lngLat: [number, number]): void => {
    marker.setLngLat(lngLat);
    if (!marker.getElement().isConnected) marker.addTo(map);
  };
  const setInputs = (lng: number, la: number): void => {
    lon.value = lng.toFixed(6);
    lat.value = la.toFixed(6);
  };
  map.on("click", (e) => {
    setInputs(e.lngLat.lng, e.lngLat.lat);
    place([e.lngLat.lng, e.lngLat.lat]);
  });
  marker.on("dragend", () => {
    const at = marker.getLngLat();
    setInputs(at.lng, at.lat);
  });
  for (const input of [lon, lat]) {
    input.addEventListener("input", () => {
      const lng = Number(lon.value);
      const la = Number(lat.value);
      if (lon.value.trim() === "" || lat.value.trim() === "" || !Number.isFinite(lng) || !Number.isFinite(la)) return;
      place([lng, la]);
      map.jumpTo({ center: [lng, la], zoom: Math.max(map.getZoom(), 15) });
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const built = buildCameraPayload(values(), lang());
    if (!built.ok) {
      showErrors(built.errors);
      formError.textContent = t("notCreated");
      return;
    }
    showErrors({});
    formError.textContent = t("creating");
    submit.disabled = true;
    try {
      const feature = await post<CameraFeature>("/api/v1/cameras/", built.payload);
      formError.textContent = t("cameraCreated");
      await created(feature);
    } catch (err) {
      const errors = err instanceof ApiError ? serverErrors(err.body, err.message) : { form: [String(err)] };
      showErrors(errors);
      if (!errors.form) formError.textContent = t("notCreated");
    } finally {
      submit.disabled = false;
    }
  });
  code.focus();
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
