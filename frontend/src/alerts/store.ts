// The agent's alert list: applies server frames in order, never double-counts, stays bounded.

export type AlertStatus = "new" | "acknowledged" | "dispatched" | "resolved" | "false_positive";

export interface Alert {
  id: number;
  type: string;
  severity: string;
  status: AlertStatus;
  score: number;
  camera_code: string;
  district_id: number;
  lon: number;
  lat: number;
  started_at: string;
  [extra: string]: unknown;
}

export interface AlertFrame {
  type: "alert.created" | "alert.updated" | "camera.status_changed";
  v: number;
  seq: number;
  alert?: Alert;
  [extra: string]: unknown;
}

export interface Filters {
  type?: string;
  severity?: string;
  district_id?: number;
  status?: AlertStatus | "open";
}

const OPEN: ReadonlySet<AlertStatus> = new Set(["new", "acknowledged", "dispatched"]);
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export class AlertStore {
  private readonly alerts = new Map<number, Alert>();
  private seq = 0;
  private readonly listeners = new Set<(changed: Alert | null) => void>();

  constructor(private readonly capacity = 500) {}

  /** Highest seq applied: what `resume` asks the server to continue after. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Apply one frame; frames at or below lastSeq (replays, duplicates) are ignored. */
  apply(frame: AlertFrame): Alert | null {
    if (frame.v !== 1 || !Number.isInteger(frame.seq) || frame.seq <= this.seq) return null;
    this.seq = frame.seq;
    if ((frame.type !== "alert.created" && frame.type !== "alert.updated") || !frame.alert) {
      this.emit(null);
      return null;
    }
    const alert = frame.alert;
    this.alerts.delete(alert.id);
    this.alerts.set(alert.id, alert);
    this.evict();
    this.emit(alert);
    return alert;
  }

  /** Replace with a snapshot from the REST API (e.g. on first load), keeping lastSeq. */
  load(alerts: Alert[]): void {
    for (const alert of alerts) this.alerts.set(alert.id, alert);
    this.evict();
    this.emit(null);
  }

  get(id: number): Alert | undefined {
    return this.alerts.get(id);
  }

  /** Newest first, open alerts of higher severity first within the same minute. */
  list(filters: Filters = {}): Alert[] {
    const rows = [...this.alerts.values()].filter((a) => matches(a, filters));
    return rows.sort(
      (a, b) =>
        Number(OPEN.has(b.status)) - Number(OPEN.has(a.status)) ||
        b.started_at.localeCompare(a.started_at) ||
        (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9),
    );
  }

  countsByStatus(): Record<AlertStatus, number> {
    const counts: Record<AlertStatus, number> = {
      new: 0,
      acknowledged: 0,
      dispatched: 0,
      resolved: 0,
      false_positive: 0,
    };
    for (const alert of this.alerts.values()) counts[alert.status] += 1;
    return counts;
  }

  subscribe(listener: (changed: Alert | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private evict(): void {
    // Drop closed alerts first (oldest first), then the oldest open ones.
    while (this.alerts.size > this.capacity) {
      const closed = [...this.alerts.values()].find((a) => !OPEN.has(a.status));
      const victim = closed ?? this.alerts.values().next().value;
      if (!victim) return;
      this.alerts.delete(victim.id);
    }
  }

  private emit(changed: Alert | null): void {
    for (const listener of this.listeners) listener(changed);
  }
}

export function matches(alert: Alert, filters: Filters): boolean {
  if (filters.type && alert.type !== filters.type) return false;
  if (filters.severity && alert.severity !== filters.severity) return false;
  if (filters.district_id && alert.district_id !== filters.district_id) return false;
  if (filters.status === "open") return OPEN.has(alert.status);
  if (filters.status && alert.status !== filters.status) return false;
  return true;
}

export function isHighSeverity(alert: Alert): boolean {
  return alert.severity === "high" || alert.severity === "critical";
}
