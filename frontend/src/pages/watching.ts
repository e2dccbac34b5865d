// Whether each AI camera is watched by a video host: pure logic for the registry's "Watching"
// column, its filter, the camera detail and the per-district "not watched" counts (unit-tested).
// Every field is read defensively: a backend without the analysis fields gives nulls, not errors.

import type { AnalysisState, CameraAnalysis, District, Rollout } from "../api";
import { type Lang, type StringKey, t } from "../i18n";

export const ANALYSIS_STATES: readonly AnalysisState[] = ["watched", "not_watched", "error"];

const STATE_LABEL: Record<AnalysisState, StringKey> = {
  watched: "watched",
  not_watched: "notWatched",
  error: "analysisError",
};

/** A symbol per state, so colour is never the only cue. */
const STATE_SYMBOL: Record<AnalysisState, string> = { watched: "●", not_watched: "○", error: "⚠" };

export function isAnalysisState(value: unknown): value is AnalysisState {
  return typeof value === "string" && (ANALYSIS_STATES as readonly string[]).includes(value);
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** `properties.analysis` and `properties.analysis_state` of a camera feature; missing or
 * malformed fields are null (a camera that is not analysable has state null). */
export function cameraAnalysis(props: Record<string, unknown>): { state: AnalysisState | null; analysis: CameraAnalysis | null } {
  const state = isAnalysisState(props.analysis_state) ? props.analysis_state : null;
  const raw = props.analysis;
  if (raw === null || typeof raw !== "object") return { state, analysis: null };
  const a = raw as Record<string, unknown>;
  return {
    state,
    analysis: {
      host: str(a.host),
      since: str(a.since),
      fps: num(a.fps),
      last_frame_at: str(a.last_frame_at),
      skipped_fraction: num(a.skipped_fraction),
      lag_s: num(a.lag_s),
      error: str(a.error),
    },
  };
}

export interface WatchingCell {
  text: string;
  className: string;
  title: string | null;
}

/** The table cell: "● Watched", "○ Not watched", "⚠ Error" (the error text as tooltip), or "—"
 * for a camera that is not analysable (not AI, no stream URL, not online/degraded). */
export function watchingCell(state: AnalysisState | null, analysis: CameraAnalysis | null, lang?: Lang): WatchingCell {
  if (state === null) return { text: "—", className: "watch watch-none", title: null };
  const text = `${STATE_SYMBOL[state]} ${t(STATE_LABEL[state], lang)}`;
  let title: string | null = null;
  if (state === "error") title = analysis?.error ?? t("analysisError", lang);
  else if (state === "watched" && analysis?.host) title = `${analysis.host}${analysis.fps === null ? "" : ` · ${formatFps(analysis.fps)}`}`;
  return { text, className: `watch watch-${state}`, title };
}

export function formatFps(fps: number | null): string {
  if (fps === null) return "—";
  return `${fps < 10 ? fps.toFixed(1) : Math.round(fps).toString()} fps`;
}

export function formatLag(lag: number | null): string {
  if (lag === null) return "—";
  if (lag < 1) return `${Math.round(lag * 1000)} ms`;
  if (lag < 120) return `${lag.toFixed(1)} s`;
  return `${Math.round(lag / 60)} min`;
}

export function formatFraction(f: number | null): string {
  return f === null ? "—" : `${(f * 100).toFixed(f < 0.1 ? 1 : 0)} %`;
}

/** ISO time as local "YYYY-MM-DD HH:MM:SS" (or "—"). */
export function formatTime(iso: string | null): string {
  if (iso === null) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Label/value rows for the camera detail; empty for a camera that is not analysable. */
export function analysisDetail(state: AnalysisState | null, analysis: CameraAnalysis | null, lang?: Lang): [string, string][] {
  if (state === null) return [];
  const rows: [string, string][] = [[t("watching", lang), watchingCell(state, analysis, lang).text]];
  if (analysis === null) return rows;
  rows.push(
    [t("analysisHost", lang), analysis.host ?? "—"],
    [t("analysisFps", lang), formatFps(analysis.fps)],
    [t("analysisSince", lang), formatTime(analysis.since)],
    [t("analysisLastFrame", lang), formatTime(analysis.last_frame_at)],
    [t("analysisLag", lang), formatLag(analysis.lag_s)],
    [t("analysisSkipped", lang), formatFraction(analysis.skipped_fraction)],
  );
  if (analysis.error) rows.push([t("analysisError", lang), analysis.error]);
  return rows;
}

export interface CameraFilters {
  q?: string;
  status?: string;
  kind?: string;
  district?: string;
  analysis?: string;
}

/** The query string of `/api/v1/cameras/` for one page with the given filters (empty ones and
 * an unknown analysis state are left out). */
export function cameraQuery(filters: CameraFilters, limit: number, offset: number): URLSearchParams {
  const params = new URLSearchParams({ limit: String(limit), offset: String(offset) });
  for (const key of ["q", "status", "kind", "district"] as const) {
    const value = filters[key]?.trim();
    if (value) params.set(key, value);
  }
  if (isAnalysisState(filters.analysis)) params.set("analysis", filters.analysis);
  return params;
}

/** AI cameras not watched per district code, from the rollout's district rows (`unwatched`);
 * falls back to the districts list's `ai_not_watched_count`; a district with neither is absent. */
export function unwatchedByDistrict(rollout: Rollout | null, districts: District[]): Map<string, number> {
  const out = new Map<string, number>();
  const byId = new Map(districts.map((d) => [d.id, d.code]));
  for (const d of districts) {
    const n = num(d.ai_not_watched_count);
    if (n !== null) out.set(d.code, n);
  }
  const rows = rollout && Array.isArray(rollout.districts) ? rollout.districts : [];
  for (const row of rows) {
    if (row === null || typeof row !== "object") continue;
    const n = num(row.unwatched);
    const code =
      str(row.code) ??
      str(row.district) ??
      (typeof row.district_id === "number" ? byId.get(row.district_id) : undefined) ??
      (typeof row.id === "number" ? byId.get(row.id) : undefined);
    if (n !== null && code) out.set(code, n);
  }
  return out;
}

/** The city-wide (or the user's districts') count of AI cameras not watched, or null if unknown. */
export function unwatchedTotal(rollout: Rollout | null, perDistrict: Map<string, number>): number | null {
  const total = num(rollout?.unwatched_total);
  if (total !== null) return total;
  const notWatched = rollout?.analysis;
  if (notWatched && typeof notWatched === "object") {
    const a = num(notWatched.not_watched);
    const e = num(notWatched.error);
    if (a !== null || e !== null) return (a ?? 0) + (e ?? 0);
  }
  if (perDistrict.size === 0) return null;
  let sum = 0;
  for (const n of perDistrict.values()) sum += n;
  return sum;
}
