import { describe, expect, it } from "vitest";

import { type Alert, type AlertFrame, AlertStore } from "./store";

function alert(id: number, extra: Partial<Alert> = {}): Alert {
  return {
    id,
    type: "fight",
    severity: "high",
    status: "new",
    score: 0.9,
    camera_code: `C-${id}`,
    district_id: 1,
    lon: 126.97,
    lat: 37.56,
    started_at: `2026-11-25T10:00:${String(id).padStart(2, "0")}Z`,
    ...extra,
  };
}

function frame(seq: number, a: Alert, type: AlertFrame["type"] = "alert.created"): AlertFrame {
  return { type, v: 1, seq, alert: a };
}

describe("AlertStore", () => {
  it("applies frames in order and tracks the last seq", () => {
    const store = new AlertStore();
    store.apply(frame(1, alert(1)));
    store.apply(frame(2, alert(2)));
    expect(store.lastSeq).toBe(2);
    expect(store.list().map((a) => a.id)).toEqual([2, 1]);
  });

  it("ignores replayed and duplicate frames", () => {
    const store = new AlertStore();
    store.apply(frame(1, alert(1)));
    store.apply(frame(2, alert(1, { status: "acknowledged" }), "alert.updated"));
    expect(store.apply(frame(1, alert(1)))).toBeNull();
    expect(store.get(1)?.status).toBe("acknowledged");
    expect(store.countsByStatus()).toMatchObject({ new: 0, acknowledged: 1 });
  });

  it("refuses frames of an unknown version", () => {
    const store = new AlertStore();
    expect(store.apply({ ...frame(1, alert(1)), v: 2 })).toBeNull();
    expect(store.list()).toHaveLength(0);
    expect(store.lastSeq).toBe(0);
  });

  it("advances seq on camera status frames without adding alerts", () => {
    const store = new AlertStore();
    store.apply({ type: "camera.status_changed", v: 1, seq: 5 });
    expect(store.lastSeq).toBe(5);
    expect(store.list()).toHaveLength(0);
  });

  it("stays bounded, evicting closed alerts before open ones", () => {
    const store = new AlertStore(3);
    store.apply(frame(1, alert(1)));
    store.apply(frame(2, alert(2, { status: "resolved" })));
    store.apply(frame(3, alert(3)));
    store.apply(frame(4, alert(4)));
    expect(store.list().map((a) => a.id).sort()).toEqual([1, 3, 4]);
  });

  it("filters by type, severity, district and open state", () => {
    const store = new AlertStore();
    store.apply(frame(1, alert(1, { type: "fall", severity: "medium" })));
    store.apply(frame(2, alert(2, { district_id: 2 })));
    store.apply(frame(3, alert(3, { status: "resolved" })));
    expect(store.list({ type: "fall" }).map((a) => a.id)).toEqual([1]);
    expect(store.list({ severity: "high", district_id: 1 }).map((a) => a.id)).toEqual([3]);
    expect(store.list({ status: "open" }).map((a) => a.id)).toEqual([2, 1]);
  });
});
