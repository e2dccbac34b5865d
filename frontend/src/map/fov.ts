// Field-of-view cones drawn around cameras at high zoom (local flat-earth approximation,
// accurate to centimetres over the ≤ 300 m ranges cameras have).

const METRES_PER_DEG_LAT = 111_320;

export interface CameraView {
  id: number | string;
  lon: number;
  lat: number;
  heading_deg: number | null;
  fov_deg: number;
  range_m: number;
  status?: string;
}

export type Ring = [number, number][];

/** Offset a lon/lat by metres east/north. */
export function offset(lon: number, lat: number, east: number, north: number): [number, number] {
  const metresPerDegLon = METRES_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
  return [lon + east / metresPerDegLon, lat + north / METRES_PER_DEG_LAT];
}

/**
 * The camera's view as a closed ring: a sector from heading − fov/2 to heading + fov/2
 * (bearings clockwise from north), or a full circle when the heading is unknown or fov ≥ 360.
 */
export function fovRing(camera: CameraView, segments = 24): Ring {
  const full = camera.heading_deg === null || camera.fov_deg >= 360;
  const start = full ? 0 : (camera.heading_deg as number) - camera.fov_deg / 2;
  const sweep = full ? 360 : camera.fov_deg;
  const ring: Ring = full ? [] : [[camera.lon, camera.lat]];
  for (let i = 0; i <= segments; i++) {
    const bearing = ((start + (sweep * i) / segments) * Math.PI) / 180;
    ring.push(offset(camera.lon, camera.lat, camera.range_m * Math.sin(bearing), camera.range_m * Math.cos(bearing)));
  }
  if (!full) ring.push([camera.lon, camera.lat]);
  return ring;
}

export function fovFeatureCollection(cameras: CameraView[]): GeoJSON.FeatureCollection {
  return {
    type: "FeatureCollection",
    features: cameras.map((c) => ({
      type: "Feature",
      id: c.id,
      properties: { status: c.status ?? "online" },
      geometry: { type: "Polygon", coordinates: [fovRing(c)] },
    })),
  };
}
