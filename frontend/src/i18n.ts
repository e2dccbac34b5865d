// UI strings in English and Korean. Every visible label goes through t().

export type Lang = "en" | "ko";

const STRINGS = {
  appName: { en: "Haechi", ko: "해치" },
  agentConsole: { en: "Agent console", ko: "관제 콘솔" },
  planning: { en: "Planning", ko: "계획" },
  registry: { en: "Registry", ko: "카메라 대장" },
  login: { en: "Sign in", ko: "로그인" },
  logout: { en: "Sign out", ko: "로그아웃" },
  username: { en: "Username", ko: "아이디" },
  password: { en: "Password", ko: "비밀번호" },
  loginFailed: { en: "Wrong username or password.", ko: "아이디 또는 비밀번호가 올바르지 않습니다." },
  liveAlerts: { en: "Live alerts", ko: "실시간 경보" },
  noAlerts: { en: "No alerts match the filters.", ko: "조건에 맞는 경보가 없습니다." },
  connected: { en: "Live", ko: "연결됨" },
  reconnecting: { en: "Reconnecting…", ko: "재연결 중…" },
  acknowledge: { en: "Acknowledge", ko: "확인" },
  assignToMe: { en: "Assign to me", ko: "나에게 배정" },
  dispatch: { en: "Dispatch", ko: "출동" },
  resolve: { en: "Resolve", ko: "해결" },
  falsePositive: { en: "False positive", ko: "오탐" },
  note: { en: "Note", ko: "메모" },
  allTypes: { en: "All types", ko: "모든 유형" },
  allSeverities: { en: "All severities", ko: "모든 심각도" },
  allDistricts: { en: "All districts", ko: "모든 자치구" },
  allStatuses: { en: "All statuses", ko: "모든 상태" },
  camera: { en: "Camera", ko: "카메라" },
  cameras: { en: "Cameras", ko: "카메라" },
  district: { en: "District", ko: "자치구" },
  status: { en: "Status", ko: "상태" },
  kind: { en: "Kind", ko: "종류" },
  search: { en: "Search code or address", ko: "코드 또는 주소 검색" },
  previous: { en: "Previous", ko: "이전" },
  next: { en: "Next", ko: "다음" },
  importTitle: { en: "Bulk import (CSV or GeoJSON)", ko: "일괄 등록 (CSV 또는 GeoJSON)" },
  importButton: { en: "Import", ko: "가져오기" },
  skipInvalid: { en: "Import valid rows, skip the rest", ko: "오류 행을 건너뛰고 가져오기" },
  row: { en: "Row", ko: "행" },
  field: { en: "Field", ko: "항목" },
  reason: { en: "Reason", ko: "사유" },
  coverage: { en: "Coverage", ko: "커버리지" },
  day: { en: "Day", ko: "주간" },
  night: { en: "Night", ko: "야간" },
  health: { en: "Health", ko: "상태 현황" },
  rollout: { en: "AI rollout", ko: "AI 전환 현황" },
  offline: { en: "Offline", ko: "오프라인" },
  total: { en: "Total", ko: "합계" },
  loading: { en: "Loading…", ko: "불러오는 중…" },
  language: { en: "한국어", ko: "English" },
  watching: { en: "Watching", ko: "분석 상태" },
  allWatching: { en: "Watching: all", ko: "분석 상태: 전체" },
  watched: { en: "Watched", ko: "분석 중" },
  notWatched: { en: "Not watched", ko: "미분석" },
  analysisError: { en: "Error", ko: "오류" },
  analysisHost: { en: "Analysis host", ko: "분석 호스트" },
  analysisFps: { en: "Analysed frame rate", ko: "분석 프레임률" },
  analysisSince: { en: "Watched since", ko: "분석 시작" },
  analysisLastFrame: { en: "Last analysed frame", ko: "마지막 분석 프레임" },
  analysisLag: { en: "Lag behind the stream", ko: "스트림 지연" },
  analysisSkipped: { en: "Skipped by the motion gate", ko: "움직임 필터로 건너뛴 프레임" },
  unwatchedAi: { en: "AI not watched", ko: "미분석 AI" },
  unwatchedTotal: { en: "AI cameras not watched", ko: "분석되지 않는 AI 카메라" },
  addCamera: { en: "Add camera", ko: "카메라 추가" },
  addCameraHint: { en: "Click the map to place the camera, or type its longitude and latitude.", ko: "지도를 클릭해 위치를 정하거나 경도와 위도를 입력하세요." },
  code: { en: "Code", ko: "코드" },
  longitude: { en: "Longitude", ko: "경도" },
  latitude: { en: "Latitude", ko: "위도" },
  streamUrl: { en: "Stream URL", ko: "스트림 URL" },
  aiEnabled: { en: "AI analysis", ko: "AI 분석" },
  headingOptional: { en: "Heading (°, optional)", ko: "방향 (°, 선택)" },
  fovOptional: { en: "FOV (°, optional)", ko: "화각 (°, 선택)" },
  rangeOptional: { en: "Range (m, optional)", ko: "거리 (m, 선택)" },
  create: { en: "Create", ko: "등록" },
  cancel: { en: "Cancel", ko: "취소" },
  creating: { en: "Creating…", ko: "등록 중…" },
  cameraCreated: { en: "Camera created.", ko: "카메라가 등록되었습니다." },
  notCreated: { en: "Not created: fix the marked fields.", ko: "등록되지 않았습니다: 표시된 항목을 고치세요." },
} as const;

export type StringKey = keyof typeof STRINGS;

const storage: Storage | undefined = (globalThis as { localStorage?: Storage }).localStorage;
let current: Lang = (storage?.getItem("haechi.lang") as Lang | null) ?? "en";

export function t(key: StringKey, lang: Lang = current): string {
  return STRINGS[key][lang];
}

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  storage?.setItem("haechi.lang", next);
}

/** Behaviour and severity labels (colour is never the only cue: each has a symbol). */
export const BEHAVIOURS: Record<string, { en: string; ko: string }> = {
  intrusion: { en: "Intrusion", ko: "침입" },
  loitering: { en: "Loitering", ko: "배회" },
  abandonment: { en: "Abandonment", ko: "유기" },
  fight: { en: "Fight", ko: "싸움" },
  fall: { en: "Fall", ko: "쓰러짐" },
  fire: { en: "Fire / arson", ko: "방화" },
  crowd: { en: "Crowd", ko: "군집" },
  running: { en: "Running", ko: "달리기" },
  tamper: { en: "Tamper", ko: "카메라 훼손" },
  offline: { en: "Camera offline", ko: "카메라 오프라인" },
};

export const SEVERITY_SYMBOL: Record<string, string> = {
  critical: "▲▲",
  high: "▲",
  medium: "◆",
  low: "●",
};
