// Agent console: live alert feed + map, alert detail with snapshot/clip, camera info, nearby
// cameras and the workflow actions. The feed survives network drops (resume by seq).

import type { GeoJSONSource, Map as MapLibreMap } from "maplibre-gl";

import { api, ApiError, type District, type Me, post } from "../api";
import { type Alert, AlertStore, type Filters, isHighSeverity } from "../alerts/store";
import { AlertSocket, alertSocketUrl, type SocketState } from "../alerts/socket";
import { clear, h } from "../dom";
import { BEHAVIOURS, lang, SEVERITY_SYMBOL, t } from "../i18n";
import { createMap } from "../map/createMap";
import { alertFeatures } from "../map/layers";

const SEVERITIES = ["critical", "high", "medium", "low", "info"];

interface AlertPage {
  results: Alert[];
}

export function renderAgent(root: HTMLElement, me: Me, districts: District[]): () => void {
  const store = new AlertStore(500);
  const filters: Filters = { status: "open" };
  const districtName = new Map(districts.map((d) => [d.id, lang() === "ko" ? d.name_ko : d.name_en]));
  let selected: number | null = null;

  const mapEl = h("div", { class: "map", id: "map", role: "region", "aria-label": "Map" });
  const state = h("span", { class: "conn conn-connecting", role: "status" }, t("reconnecting"));
  const counts = h("div", { class: "counts", "aria-label": "Alert counts" });
  const feed = h("ol", { class: "feed", "aria-label": t("liveAlerts"), "aria-live": "polite" });
  const detail = h("section", { class: "alert-detail", "aria-label": "Alert detail" });
  const announcer = h("div", { class: "sr-only", "aria-live": "assertive" });

  const typeFilter = filterSelect(t("allTypes"), Object.entries(BEHAVIOURS).map(([k, v]) => [k, v[lang()]]), (v) => (filters.type = v));
  const severityFilter = filterSelect(t("allSeverities"), SEVERITIES.map((s) => [s, `${SEVERITY_SYMBOL[s] ?? ""} ${s}`]), (v) => (filters.severity = v));
  const districtFilter = filterSelect(t("allDistricts"), districts.map((d) => [String(d.id), districtName.get(d.id) ?? d.code]), (v) => (filters.district_id = v ? Number(v) : undefined));
  const statusFilter = filterSelect(t("allStatuses"), [["open", "open"], ["new", "new"], ["acknowledged", "acknowledged"], ["dispatched", "dispatched"], ["resolved", "resolved"], ["false_positive", "false positive"]], (v) => (filters.status = (v || undefined) as Filters["status"]), "open");

  root.replaceChildren(
    h(
      "main",
      { class: "agent" },
      mapEl,
      h(
        "aside",
        { class: "sidebar" },
        h("header", {}, h("h2", {}, t("liveAlerts")), state),
        counts,
        h("div", { class: "filters" }, typeFilter, severityFilter, districtFilter, statusFilter),
        feed,
        detail,
        announcer,
      ),
    ),
  );

  root.addEventListener("filters", () => render());
  const map = createMap(mapEl);
  let alerting = new Set<number>();

  function render(): void {
    const rows = store.list(filters);
    clear(feed);
    if (!rows.length) feed.append(h("li", { class: "empty" }, t("noAlerts")));
    for (const alert of rows.slice(0, 200)) {
      const label = `${SEVERITY_SYMBOL[alert.severity] ?? ""} ${BEHAVIOURS[alert.type]?.[lang()] ?? alert.type}`;
      feed.append(
        h(
          "li",
          { class: `alert sev-${alert.severity} st-${alert.status}${alert.id === selected ? " selected" : ""}`, "data-alert-id": alert.id },
          h(
            "button",
            { type: "button", onclick: () => select(alert.id) },
            h("strong", {}, label),
            ` · ${alert.camera_code} · ${districtName.get(alert.district_id) ?? ""} · `,
            h("time", { datetime: alert.started_at }, new Date(alert.started_at).toLocaleTimeString()),
            h("span", { class: "badge" }, alert.status),
          ),
        ),
      );
    }
    const c = store.countsByStatus();
    counts.replaceChildren(...Object.entries(c).map(([k, v]) => h("span", { class: `count count-${k}`, "data-status": k }, `${k.replace("_", " ")}: ${v}`)));
    updateMap(map, store.list({ status: "open" }), alerting, (next) => (alerting = next));
    if (selected !== null) renderDetail();
  }

  function select(id: number): void {
    selected = id;
    const alert = store.get(id);
    if (alert) map.flyTo({ center: [alert.lon, alert.lat], zoom: Math.max(map.getZoom(), 16) });
    render();
  }

  function renderDetail(): void {
    const alert = selected === null ? undefined : store.get(selected);
    if (!alert) {
      clear(detail);
      return;
    }
    const note = h("textarea", { id: "alert-note", rows: 2, "aria-label": t("note") });
    const message = h("p", { role: "status" });
    const act = (path: string, body: Record<string, unknown>) => async () => {
      try {
        const updated = await post<Alert>(`/api/v1/alerts/${alert.id}/${path}/`, body);
        store.load([updated]);
        message.textContent = `${path}: ok`;
      } catch (err) {
        message.textContent = err instanceof ApiError ? err.message : String(err);
      }
    };
    const nearby = h("ul", { class: "nearby", "aria-label": "Nearby cameras" });
    const d = 0.003;
    void api<{ features: { properties: { code: string; status: string } }[] }>(
      `/api/v1/cameras/?bbox=${alert.lon - d},${alert.lat - d},${alert.lon + d},${alert.lat + d}&limit=8`,
    ).then((page) => nearby.replaceChildren(...page.features.map((f) => h("li", {}, `${f.properties.code} (${f.properties.status})`))));
    detail.replaceChildren(
      h("h3", {}, `${SEVERITY_SYMBOL[alert.severity] ?? ""} ${BEHAVIOURS[alert.type]?.[lang()] ?? alert.type} — ${alert.severity}`),
      h("p", {}, `${t("camera")} ${alert.camera_code} · ${districtName.get(alert.district_id) ?? ""} · score ${alert.score.toFixed(2)} · ${alert.status}`),
      alert.snapshot ? h("img", { src: `/api/v1/alerts/${alert.id}/snapshot/`, alt: "Snapshot", class: "snapshot" }) : "",
      alert.clip ? h("video", { src: `/api/v1/alerts/${alert.id}/clip/`, controls: true, class: "clip" }) : "",
      note,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", onclick: act("acknowledge", { get note() { return note.value; } }) }, t("acknowledge")),
        h("button", { type: "button", onclick: act("assign", { assignee: me.id }) }, t("assignToMe")),
        h("button", { type: "button", onclick: act("dispatch", { get note() { return note.value; } }) }, t("dispatch")),
        h("button", { type: "button", onclick: act("resolve", { get note() { return note.value; } }) }, t("resolve")),
        h("button", { type: "button", onclick: () => act("false-positive", { reason: note.value || "false positive" })() }, t("falsePositive")),
      ),
      message,
      h("h4", {}, "Nearby cameras"),
      nearby,
    );
  }

  store.subscribe((changed) => {
    if (changed && changed.status === "new" && isHighSeverity(changed)) {
      announcer.textContent = `${changed.severity} ${changed.type} ${changed.camera_code}`;
      document.body.classList.add("flash");
      window.setTimeout(() => document.body.classList.remove("flash"), 1500);
      beep();
    }
    render();
  });

  const socket = new AlertSocket({
    url: alertSocketUrl(window.location),
    store,
    onState: (s: SocketState) => {
      state.className = `conn conn-${s}`;
      state.textContent = s === "open" ? t("connected") : t("reconnecting");
    },
  });
  // Snapshot of open alerts first, then live frames (resume from seq 0 replays what we may see).
  void api<AlertPage>("/api/v1/alerts/?status=new,acknowledged,dispatched&limit=500")
    .then((page) => store.load(page.results))
    .finally(() => socket.start());
  (window as unknown as { haechiSocket: AlertSocket }).haechiSocket = socket;
  render();
  return () => {
    socket.stop();
    map.remove();
  };
}

function filterSelect(label: string, options: [string, string][], set: (v: string | undefined) => void, initial = ""): HTMLSelectElement {
  const el = h("select", { "aria-label": label }, h("option", { value: "" }, label), ...options.map(([v, l]) => h("option", { value: v, selected: v === initial }, l)));
  el.addEventListener("change", () => {
    set(el.value || undefined);
    el.dispatchEvent(new CustomEvent("filters", { bubbles: true }));
  });
  return el;
}

function updateMap(map: MapLibreMap, open: Alert[], previous: Set<number>, keep: (s: Set<number>) => void): void {
  if (!map.isStyleLoaded()) {
    map.once("load", () => updateMap(map, open, previous, keep));
    return;
  }
  (map.getSource("alerts") as GeoJSONSource | undefined)?.setData(alertFeatures(open));
  const next = new Set(open.map((a) => Number(a.camera_id)).filter((id) => Number.isFinite(id)));
  for (const id of previous) if (!next.has(id)) map.setFeatureState({ source: "cameras", sourceLayer: "cameras", id }, { alerting: false });
  for (const id of next) map.setFeatureState({ source: "cameras", sourceLayer: "cameras", id }, { alerting: true });
  keep(next);
}

let audio: AudioContext | null = null;
function beep(): void {
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    osc.frequency.value = 880;
    osc.connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.25);
  } catch {
    // Audio may be blocked until the user interacts; the visual cue still shows.
  }
}
