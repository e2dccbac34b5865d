// "Add camera" in the registry: pure logic (unit-tested) for checking what an admin typed,
// building the POST /api/v1/cameras/ body, and reading the server's 400 back per field.
// The server stays the judge (stream URL safety, duplicate code, Seoul districts); the checks
// here only catch what is plainly wrong before a round trip.

import type { Lang } from "../i18n";

/** Form fields that can carry an error (plus "form" for errors about the whole request). */
export const ADD_FIELDS = ["code", "lon", "lat", "stream_url", "has_ai", "status", "kind", "heading_deg", "fov_deg", "range_m", "form"] as const;
export type AddField = (typeof ADD_FIELDS)[number];

/** The raw values of the form (what the inputs hold). */
export interface AddCameraInput {
  code: string;
  lon: string;
  lat: string;
  stream_url: string;
  has_ai: boolean;
  status: string;
  kind: string;
  heading_deg: string;
  fov_deg: string;
  range_m: string;
}

export interface AddCameraPayload {
  code: string;
  lon: number;
  lat: number;
  has_ai: boolean;
  stream_url?: string;
  status?: string;
  kind?: string;
  heading_deg?: number;
  fov_deg?: number;
  range_m?: number;
}

export type FieldErrors = Partial<Record<AddField, string[]>>;

export type BuildResult = { ok: true; payload: AddCameraPayload } | { ok: false; errors: FieldErrors };

// The server's rules (CameraWriteSerializer); the server checks them again.
const CODE_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const STREAM_SCHEMES = ["rtsp:", "rtsps:", "http:", "https:"];
const RANGES: Record<"heading_deg" | "fov_deg" | "range_m", [number, number]> = {
  heading_deg: [0, 360],
  fov_deg: [1, 360],
  range_m: [1, 300],
};

const MESSAGES = {
  required: { en: "Required.", ko: "필수 항목입니다." },
  badCode: {
    en: "Letters, digits and _ . : - only (up to 64, starting with a letter or digit).",
    ko: "영문자, 숫자, _ . : - 만 사용할 수 있습니다 (최대 64자, 영문자 또는 숫자로 시작).",
  },
  notNumber: { en: "Not a number.", ko: "숫자가 아닙니다." },
  outOfRange: { en: "Must be between {lo} and {hi}.", ko: "{lo}에서 {hi} 사이여야 합니다." },
  badScheme: {
    en: "Stream URL must start with rtsp://, rtsps://, http:// or https://.",
    ko: "스트림 URL은 rtsp://, rtsps://, http:// 또는 https:// 로 시작해야 합니다.",
  },
  aiNeedsStream: {
    en: "An AI camera needs a stream URL to be watched.",
    ko: "AI 카메라를 분석하려면 스트림 URL이 필요합니다.",
  },
} as const;

function msg(key: keyof typeof MESSAGES, lang: Lang, vars: Record<string, number> = {}): string {
  let text: string = MESSAGES[key][lang];
  for (const [k, v] of Object.entries(vars)) text = text.replace(`{${k}}`, String(v));
  return text;
}

function parseNumber(raw: string): number | null | undefined {
  const s = raw.trim();
  if (s === "") return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** Check the form and build the request body; every problem is reported at once, per field.
 * Optional fields left empty are left out (the server's defaults apply). */
export function buildCameraPayload(input: AddCameraInput, lang: Lang = "en"): BuildResult {
  const errors: FieldErrors = {};
  const add = (field: AddField, text: string) => (errors[field] ??= []).push(text);
  const code = input.code.trim();
  if (code === "") add("code", msg("required", lang));
  else if (!CODE_RE.test(code)) add("code", msg("badCode", lang));

  const coords: Partial<Record<"lon" | "lat", number>> = {};
  for (const field of ["lon", "lat"] as const) {
    const n = parseNumber(input[field]);
    if (n === undefined) add(field, msg("required", lang));
    else if (n === null) add(field, msg("notNumber", lang));
    else coords[field] = n;
  }

  const stream = input.stream_url.trim();
  if (stream !== "" && !STREAM_SCHEMES.some((s) => stream.toLowerCase().startsWith(`${s}//`))) add("stream_url", msg("badScheme", lang));
  if (input.has_ai && stream === "") add("stream_url", msg("aiNeedsStream", lang));

  const optional: Partial<Record<"heading_deg" | "fov_deg" | "range_m", number>> = {};
  for (const field of ["heading_deg", "fov_deg", "range_m"] as const) {
    const n = parseNumber(input[field]);
    if (n === undefined) continue;
    const [lo, hi] = RANGES[field];
    if (n === null) add(field, msg("notNumber", lang));
    else if (n < lo || n > hi) add(field, msg("outOfRange", lang, { lo, hi }));
    else optional[field] = n;
  }
  if (Object.keys(errors).length > 0 || coords.lon === undefined || coords.lat === undefined) return { ok: false, errors };

  const payload: AddCameraPayload = { code, lon: coords.lon, lat: coords.lat, has_ai: input.has_ai, ...optional };
  if (stream !== "") payload.stream_url = stream;
  if (input.status) payload.status = input.status;
  if (input.kind) payload.kind = input.kind;
  return { ok: true, payload };
}

/** Which form field a server error code belongs to (ApplicationError codes of camera_create). */
const CODE_FIELD: Record<string, AddField> = {
  duplicate_code: "code",
  outside_seoul: "lon",
};

const asMessages = (v: unknown): string[] =>
  Array.isArray(v) ? v.flatMap(asMessages) : typeof v === "string" ? [v] : v !== null && typeof v === "object" ? Object.values(v).flatMap(asMessages) : [];

/** The server's 400 body (`{"error": {"code", "message", "details"}}`) as messages per form field.
 * Validation details name fields (`{"stream_url": ["…"]}`); application errors carry a code
 * (`duplicate_code`, `outside_seoul`) that maps to a field; anything else goes to "form". */
export function serverErrors(body: unknown, fallback = "Request failed"): FieldErrors {
  const errors: FieldErrors = {};
  const add = (field: AddField, texts: string[]) => {
    if (texts.length) (errors[field] ??= []).push(...texts);
  };
  const error = body !== null && typeof body === "object" ? (body as { error?: unknown }).error : undefined;
  if (error === null || typeof error !== "object") {
    add("form", [fallback]);
    return errors;
  }
  const { code, message, details } = error as { code?: unknown; message?: unknown; details?: unknown };
  let placed = false;
  if (details !== null && typeof details === "object" && !Array.isArray(details)) {
    for (const [key, value] of Object.entries(details as Record<string, unknown>)) {
      const field: AddField = (ADD_FIELDS as readonly string[]).includes(key) ? (key as AddField) : "form";
      const texts = asMessages(value);
      add(field, texts);
      placed ||= texts.length > 0;
    }
  } else if (Array.isArray(details)) {
    const texts = asMessages(details);
    add("form", texts);
    placed = texts.length > 0;
  }
  if (!placed) {
    const field = typeof code === "string" ? CODE_FIELD[code] ?? "form" : "form";
    add(field, [typeof message === "string" && message ? message : fallback]);
  }
  return errors;
}

/** How often an open camera detail re-reads its analysis state (ms). */
export const DETAIL_REFRESH_MS = 5000;
