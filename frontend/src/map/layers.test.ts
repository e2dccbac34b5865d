import { describe, expect, it } from "vitest";

import { alertFeatures, CAMERA_POINT_MINZOOM, dashboardStyle, layers } from "./layers";

describe("dashboard style", () => {
  it("uses only our own origin: no external basemap, fonts or CDNs", () => {
    const style = JSON.stringify(dashboardStyle("http://127.0.0.1:8000"));
    const urls = style.match(/https?:\/\/[^/"]+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(["http://127.0.0.1:8000"]));
  });

  it("shows density cells below z12 and camera points from z12", () => {
    const byId = Object.fromEntries(layers().map((l) => [l.id, l]));
    expect(byId["cameras-density"]).toMatchObject({ maxzoom: CAMERA_POINT_MINZOOM });
    expect(byId["cameras-points"]).toMatchObject({ minzoom: CAMERA_POINT_MINZOOM });
  });

  it("highlights alerting cameras with feature-state", () => {
    const points = layers().find((l) => l.id === "cameras-points");
    expect(JSON.stringify(points)).toContain("feature-state");
  });

  it("turns alerts into point features keyed by alert id", () => {
    const fc = alertFeatures([{ id: 7, lon: 127, lat: 37.5, severity: "high", type: "fight", status: "new" }]);
    expect(fc.features[0]).toMatchObject({ id: 7, geometry: { coordinates: [127, 37.5] } });
  });
});
