// Thin fetch wrapper: same-origin session cookies, CSRF header on writes, JSON errors as ApiError.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(describe(body) ?? `HTTP ${status}`);
  }
}

function describe(body: unknown): string | undefined {
  const error = (body as { error?: { message?: string } } | null)?.error;
  return error?.message;
}

function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1] ?? "") : "";
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("Accept", "application/json");
  if (init.method && init.method !== "GET") headers.set("X-CSRFToken", csrfToken());
  if (init.body && !(init.body instanceof FormData) && !headers.has("Content-Type")) {
    headers.set("Content-Type", "application/json");
  }
  const response = await fetch(path, { ...init, headers, credentials: "same-origin" });
  const text = await response.text();
  const body: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body as T;
}

export const post = <T>(path: string, data: unknown): Promise<T> =>
  api<T>(path, { method: "POST", body: data instanceof FormData ? data : JSON.stringify(data) });

export interface Me {
  id: number;
  username: string;
  role: "agent" | "supervisor" | "planner" | "admin" | null;
  roles: string[];
  district_ids: number[] | null;
}

export interface District {
  id: number;
  code: string;
  name_ko: string;
  name_en: string;
  area_km2: number;
  camera_count: number;
  ai_camera_count: number;
  offline_count: number;
  /** AI cameras that should be analysed but no host watches (absent on older backends) */
  ai_not_watched_count?: number | null;
}

/** Whether a video host watches an analysable AI camera (`properties.analysis_state`). */
export type AnalysisState = "watched" | "not_watched" | "error";

/** `properties.analysis` of a camera: what the host watching it reports (null: no host). */
export interface CameraAnalysis {
  host: string | null;
  since: string | null;
  fps: number | null;
  last_frame_at: string | null;
  /** share of sampled frames the motion gate kept from the detector */
  skipped_fraction: number | null;
  lag_s: number | null;
  error: string | null;
}

/** A district row of `/api/v1/cameras/rollout/` (AI cameras not watched per district). */
export interface RolloutDistrictRow {
  code?: string;
  district?: string;
  district_id?: number;
  id?: number;
  unwatched?: number | null;
}

/** `/api/v1/cameras/rollout/`; the analysis fields are optional (older backends lack them). */
export interface Rollout {
  plan: Record<string, number>;
  kinds: Record<string, { total: number; stages: Record<string, number> }>;
  phase1: { total: number; live: number };
  status?: Record<string, number>;
  analysis?: Partial<Record<AnalysisState | "analysable" | "unchecked", number>>;
  districts?: RolloutDistrictRow[];
  unwatched_total?: number | null;
}
