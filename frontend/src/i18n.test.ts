import { describe, expect, it } from "vitest";

import { BEHAVIOURS, SEVERITY_SYMBOL, t } from "./i18n";

describe("i18n", () => {
  it("has every UI string in English and Korean", () => {
    expect(t("agentConsole", "en")).toBe("Agent console");
    expect(t("agentConsole", "ko")).toBe("관제 콘솔");
  });

  it("names every behaviour of the contract in both languages", () => {
    const contract = ["intrusion", "loitering", "abandonment", "fight", "fall", "fire", "crowd", "running", "tamper", "offline"];
    for (const type of contract) {
      expect(BEHAVIOURS[type]?.en).toBeTruthy();
      expect(BEHAVIOURS[type]?.ko).toBeTruthy();
    }
  });

  it("gives each severity a distinct symbol so colour is never the only cue", () => {
    const symbols = Object.values(SEVERITY_SYMBOL);
    expect(new Set(symbols).size).toBe(symbols.length);
  });
});
