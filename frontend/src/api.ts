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
}
