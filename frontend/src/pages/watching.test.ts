import { describe, expect, it } from "vitest";

import type { District, Rollout } from "../api";
import {
  analysisDetail,
  cameraAnalysis,
  cameraQuery,
  formatFps,
  formatLag,
  unwatchedByDistrict,
  unwatchedTotal,
  watchingCell,
} from "./watching";

const WATCHED = {
  analysis_state: "watched",
  analysis: {
    host: "video-1:4242",
    since: "2026-05-01T09:00:00+09:00",
    fps: 4.96,
    last_frame_at: "2026-05-01T09:30:00+09:00",
    skipped_fraction: 0.4,
    lag_s: 0.35,
    error: null,
  },
};

function district(id: number, code: string, extra: Partial<District> = {}): District {
  return { id, code, name_ko: code, name_en: code, area_km2: 1, camera_count: 10, ai_camera_count: 5, offline_count: 0, ...extra };
}

const ROLLOUT: Rollout = { plan: {}, kinds: {}, phase1: { total: 0, live: 0 } };

describe("cameraAnalysis", () => {
  it("reads the analysis of a watched camera", () => {
    const { state, analysis } = cameraAnalysis(WATCHED);
    expect(state).toBe("watched");
    expect(analysis).toMatchObject({ host: "video-1:4242", fps: 4.96, lag_s: 0.35, error: null });
  });

  it("treats missing or malformed fields as null (older backends have none)", () => {
    expect(cameraAnalysis({ code: "C1" })).toEqual({ state: null, analysis: null });
    expect(cameraAnalysis({ analysis_state: "sleeping", analysis: "x" })).toEqual({ state: null, analysis: null });
    const { analysis } = cameraAnalysis({ analysis_state: "error", analysis: { host: 3, fps: "7", error: "stream stalled" } });
    expect(analysis).toMatchObject({ host: null, fps: null, since: null, error: "stream stalled" });
  });
});

describe("watchingCell", () => {
  it("marks watched with a green dot and gives host and fps as tooltip", () => {
    const { state, analysis } = cameraAnalysis(WATCHED);
    const cell = watchingCell(state, analysis, "en");
    expect(cell.text).toBe("● Watched");
    expect(cell.className).toContain("watch-watched");
    expect(cell.title).toBe("video-1:4242 · 5.0 fps");
  });

  it("shows the error text as the tooltip of an error", () => {
    const cell = watchingCell("error", { ...WATCHED.analysis, error: "RTSP 401 Unauthorized" }, "en");
    expect(cell.text).toBe("⚠ Error");
    expect(cell.title).toBe("RTSP 401 Unauthorized");
    expect(watchingCell("error", null, "ko").title).toBe("오류");
  });

  it("distinguishes not watched and not analysable, in both languages", () => {
    expect(watchingCell("not_watched", null, "en").text).toBe("○ Not watched");
    expect(watchingCell("not_watched", null, "ko").text).toBe("○ 미분석");
    expect(watchingCell(null, null, "en")).toEqual({ text: "—", className: "watch watch-none", title: null });
  });
});

describe("formatters", () => {
  it("formats frame rates and lags at a readable precision", () => {
    expect(formatFps(4.96)).toBe("5.0 fps");
    expect(formatFps(12.4)).toBe("12 fps");
    expect(formatFps(null)).toBe("—");
    expect(formatLag(0.35)).toBe("350 ms");
    expect(formatLag(12.34)).toBe("12.3 s");
    expect(formatLag(600)).toBe("10 min");
    expect(formatLag(null)).toBe("—");
  });

  it("lists host, fps and the rest in the camera detail; nothing when not analysable", () => {
    const { state, analysis } = cameraAnalysis(WATCHED);
    const rows = new Map(analysisDetail(state, analysis, "en"));
    expect(rows.get("Analysis host")).toBe("video-1:4242");
    expect(rows.get("Analysed frame rate")).toBe("5.0 fps");
    expect(rows.get("Skipped by the motion gate")).toBe("40 %");
    expect(analysisDetail(null, null, "en")).toEqual([]);
    expect(analysisDetail("not_watched", null, "en")).toEqual([["Watching", "○ Not watched"]]);
  });
});

describe("cameraQuery", () => {
  it("adds only the filters that are set, and the analysis state when it is a known one", () => {
    const q = cameraQuery({ q: " 시청 ", status: "", kind: "new_ai", district: "11140", analysis: "not_watched" }, 50, 100);
    expect(Object.fromEntries(q)).toEqual({ limit: "50", offset: "100", q: "시청", kind: "new_ai", district: "11140", analysis: "not_watched" });
    expect(cameraQuery({ analysis: "bogus" }, 50, 0).has("analysis")).toBe(false);
    expect(cameraQuery({}, 50, 0).toString()).toBe("limit=50&offset=0");
  });
});

describe("unwatched per district", () => {
  const districts = [district(1, "11140"), district(2, "11680")];

  it("reads the rollout's district rows by code or district id", () => {
    const rollout: Rollout = { ...ROLLOUT, districts: [{ code: "11140", unwatched: 3 }, { district_id: 2, unwatched: 0 }], unwatched_total: 3 };
    const counts = unwatchedByDistrict(rollout, districts);
    expect(Object.fromEntries(counts)).toEqual({ "11140": 3, "11680": 0 });
    expect(unwatchedTotal(rollout, counts)).toBe(3);
  });

  it("falls back to the districts list and the analysis totals, and knows when it knows nothing", () => {
    const withCounts = [district(1, "11140", { ai_not_watched_count: 2 }), district(2, "11680")];
    const counts = unwatchedByDistrict(ROLLOUT, withCounts);
    expect(Object.fromEntries(counts)).toEqual({ "11140": 2 });
    expect(unwatchedTotal({ ...ROLLOUT, analysis: { not_watched: 4, error: 1, watched: 9 } }, counts)).toBe(5);
    expect(unwatchedTotal(ROLLOUT, counts)).toBe(2);
    expect(unwatchedTotal(null, unwatchedByDistrict(null, districts))).toBeNull();
  });
});
