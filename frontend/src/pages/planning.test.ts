import { describe, expect, it } from "vitest";

import { coverageColor } from "./planning";

describe("coverageColor", () => {
  it("steps through five classes of 20 % and clamps outside 0–100", () => {
    const classes = [-5, 0, 19.9, 20, 45, 60, 99, 100, 140].map(coverageColor);
    expect(classes[0]).toBe(classes[1]);
    expect(classes[2]).toBe(classes[1]);
    expect(classes[3]).not.toBe(classes[2]);
    expect(new Set(classes).size).toBe(5);
    expect(classes[7]).toBe(classes[8]);
  });
});
