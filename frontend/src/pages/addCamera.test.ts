import { describe, expect, it } from "vitest";

import { type AddCameraInput, buildCameraPayload, serverErrors } from "./addCamera";

const filled: AddCameraInput = {
  code: " SIM-1 ",
  lon: "126.9780",
  lat: "37.5665",
  stream_url: " rtsp://127.0.0.1:8654/SIM-1 ",
  has_ai: true,
  status: "online",
  kind: "new_ai",
  heading_deg: "",
  fov_deg: "",
  range_m: "",
};

describe("buildCameraPayload", () => {
  it("builds the POST body from the typed values, trimmed, leaving empty optional fields out", () => {
    expect(buildCameraPayload(filled)).toEqual({
      ok: true,
      payload: { code: "SIM-1", lon: 126.978, lat: 37.5665, has_ai: true, stream_url: "rtsp://127.0.0.1:8654/SIM-1", status: "online", kind: "new_ai" },
    });
  });

  it("sends heading, FOV and range as numbers when given", () => {
    const r = buildCameraPayload({ ...filled, heading_deg: "90", fov_deg: "60.5", range_m: "40" });
    expect(r.ok && r.payload).toMatchObject({ heading_deg: 90, fov_deg: 60.5, range_m: 40 });
  });

  it("leaves status, kind and the stream URL to the server's defaults when empty", () => {
    const r = buildCameraPayload({ ...filled, has_ai: false, stream_url: "", status: "", kind: "" });
    expect(r).toEqual({ ok: true, payload: { code: "SIM-1", lon: 126.978, lat: 37.5665, has_ai: false } });
  });

  it("reports every problem at once, per field", () => {
    const r = buildCameraPayload({ ...filled, code: "", lon: "east", lat: "", stream_url: "file:///etc/passwd", fov_deg: "0", range_m: "900" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(["code", "fov_deg", "lat", "lon", "range_m", "stream_url"]);
    expect(r.errors.lon).toEqual(["Not a number."]);
    expect(r.errors.lat).toEqual(["Required."]);
    expect(r.errors.fov_deg).toEqual(["Must be between 1 and 360."]);
  });

  it("refuses codes the server would refuse and AI cameras without a stream", () => {
    const r = buildCameraPayload({ ...filled, code: "-bad code", stream_url: "" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.errors).sort()).toEqual(["code", "stream_url"]);
  });

  it("speaks Korean", () => {
    const r = buildCameraPayload({ ...filled, code: "" }, "ko");
    expect(!r.ok && r.errors.code).toEqual(["필수 항목입니다."]);
  });
});

describe("serverErrors", () => {
  it("puts validation details next to their fields", () => {
    const body = {
      error: {
        code: "invalid",
        message: "{'stream_url': [...]}",
        details: { stream_url: ["refused: 10.0.0.1 is a private address"], lon: ["(127.9, 37.5) is outside Seoul"] },
      },
    };
    expect(serverErrors(body)).toEqual({ stream_url: ["refused: 10.0.0.1 is a private address"], lon: ["(127.9, 37.5) is outside Seoul"] });
  });

  it("maps application error codes to the field they are about", () => {
    expect(serverErrors({ error: { code: "duplicate_code", message: "a camera with code 'X' already exists", details: {} } })).toEqual({
      code: ["a camera with code 'X' already exists"],
    });
    expect(serverErrors({ error: { code: "outside_seoul", message: "(126.5, 37.5) is in no Seoul district", details: null } })).toEqual({
      lon: ["(126.5, 37.5) is in no Seoul district"],
    });
  });

  it("keeps errors about the whole request (and unknown fields) for the form", () => {
    expect(serverErrors({ error: { code: "invalid", message: "x", details: { non_field_errors: ["lon and lat must be given together"] } } })).toEqual({
      form: ["lon and lat must be given together"],
    });
    expect(serverErrors({ error: { code: "permission_denied", message: "You do not have permission.", details: { detail: "You do not have permission." } } })).toEqual({
      form: ["You do not have permission."],
    });
    expect(serverErrors(null, "HTTP 502")).toEqual({ form: ["HTTP 502"] });
    expect(serverErrors({ error: { code: "x" } }, "HTTP 400")).toEqual({ form: ["HTTP 400"] });
  });
});
