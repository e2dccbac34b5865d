// Live alert socket: reconnects with backoff and resumes after the last applied seq, so a
// network drop never loses an alert.

import type { AlertFrame, AlertStore } from "./store";

export type SocketState = "connecting" | "open" | "closed";

export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

export interface AlertSocketOptions {
  url: string;
  store: AlertStore;
  create?: (url: string) => SocketLike;
  onState?: (state: SocketState) => void;
  onFrame?: (frame: AlertFrame) => void;
  maxBackoffMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

export class AlertSocket {
  private socket: SocketLike | null = null;
  private attempts = 0;
  private stopped = false;

  constructor(private readonly options: AlertSocketOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
  }

  /** Close the connection as a network drop would (used by tests and "reconnect" button). */
  drop(): void {
    this.socket?.close();
  }

  private connect(): void {
    const create = this.options.create ?? ((url: string) => new WebSocket(url) as SocketLike);
    this.options.onState?.("connecting");
    const socket = create(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      this.options.onState?.("open");
      socket.send(JSON.stringify({ type: "resume", after_seq: this.options.store.lastSeq }));
    };
    socket.onmessage = (event) => {
      let frame: AlertFrame;
      try {
        frame = JSON.parse(String(event.data)) as AlertFrame;
      } catch {
        return;
      }
      if (typeof frame.seq === "number") {
        this.options.store.apply(frame);
        this.options.onFrame?.(frame);
      }
    };
    socket.onclose = () => {
      this.options.onState?.("closed");
      if (this.stopped) return;
      const delay = backoffMs(this.attempts++, this.options.maxBackoffMs ?? 10_000);
      (this.options.setTimer ?? setTimeout)(() => this.connect(), delay);
    };
    socket.onerror = () => socket.close();
  }
}

/** Exponential backoff: 250 ms, 500 ms, 1 s … capped. */
export function backoffMs(attempt: number, cap: number): number {
  return Math.min(cap, 250 * 2 ** attempt);
}

export function alertSocketUrl(location: Location): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws/alerts/`;
}
