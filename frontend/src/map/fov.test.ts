import { describe, expect, it } from "vitest";

import { fovRing, offset } from "./fov";

const HALL = { lon: 126.9779, lat: 37.5663 };

function metres(a: [number, number], b: [number, number]): [number, number] {
  const east = (b[0] - a[0]) * 111_320 * Math.cos((a[1] * Math.PI) / 180);
  const north = (b[1] - a[1]) * 111_320;
  return [east, north];
}

describe("fovRing", () => {
  it("points a 90° cone due east when heading is 90°", () => {
    const ring = fovRing({ id: 1, ...HALL, heading_deg: 90, fov_deg: 90, range_m: 100 }, 2);
    // apex, bearings 45°, 90°, 135°, apex
    expect(ring).toHaveLength(5);
    const [e45, n45] = metres([HALL.lon, HALL.lat], ring[1]!);
    expect(e45).toBeCloseTo(70.71, 1);
    expect(n45).toBeCloseTo(70.71, 1);
    const [e90, n90] = metres([HALL.lon, HALL.lat], ring[2]!);
    expect(e90).toBeCloseTo(100, 1);
    expect(n90).toBeCloseTo(0, 1);
    expect(ring[0]).toEqual(ring[4]);
  });

  it("draws a full circle when the heading is unknown or the camera is 360°", () => {
    for (const camera of [
      { id: 1, ...HALL, heading_deg: null, fov_deg: 90, range_m: 30 },
      { id: 2, ...HALL, heading_deg: 10, fov_deg: 360, range_m: 30 },
    ]) {
      const ring = fovRing(camera, 8);
      expect(ring).toHaveLength(9);
      for (const point of ring) {
        const [e, n] = metres([HALL.lon, HALL.lat], point);
        expect(Math.hypot(e, n)).toBeCloseTo(30, 1);
      }
    }
  });

  it("offsets by metres", () => {
    const [lon, lat] = offset(HALL.lon, HALL.lat, 0, 111.32);
    expect(lon).toBe(HALL.lon);
    expect(lat - HALL.lat).toBeCloseTo(0.001, 9);
  });
});
