import { describe, expect, it } from "vitest";

import { AlertSocket, backoffMs, type SocketLike } from "./socket";
import { AlertStore } from "./store";

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.onclose?.({} as CloseEvent);
  }
  open(): void {
    this.onopen?.({} as Event);
  }
  receive(data: unknown): void {
    this.onmessage?.({ data: JSON.stringify(data) } as MessageEvent);
  }
}

function created(seq: number, id: number) {
  return {
    type: "alert.created",
    v: 1,
    seq,
    alert: { id, type: "fight", severity: "high", status: "new", score: 1, camera_code: "C",
      district_id: 1, lon: 127, lat: 37.5, started_at: `2026-11-25T10:00:${id}Z` },
  };
}

/** A client wired to fake sockets and a manual timer. */
function harness() {
  const sockets: FakeSocket[] = [];
  const timers: (() => void)[] = [];
  const store = new AlertStore();
  const client = new AlertSocket({
    url: "ws://x/ws/alerts/",
    store,
    create: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    setTimer: (fn) => timers.push(fn),
  });
  return { sockets, timers, store, client };
}

describe("AlertSocket", () => {
  it("resumes after the last seq when it reconnects", () => {
    const { sockets, timers, store, client } = harness();
    client.start();
    sockets[0]!.open();
    expect(JSON.parse(sockets[0]!.sent[0]!)).toEqual({ type: "resume", after_seq: 0 });
    sockets[0]!.receive(created(1, 10));
    sockets[0]!.receive(created(2, 11));
    client.drop();
    expect(timers).toHaveLength(1);
    timers[0]!();
    sockets[1]!.open();
    expect(JSON.parse(sockets[1]!.sent[0]!)).toEqual({ type: "resume", after_seq: 2 });
    sockets[1]!.receive(created(2, 11)); // replayed: ignored
    sockets[1]!.receive(created(3, 12));
    expect(store.list().map((a) => a.id)).toEqual([12, 11, 10]);
  });

  it("does not reconnect after stop() and ignores garbage frames", () => {
    const { sockets, timers, store, client } = harness();
    client.start();
    sockets[0]!.open();
    sockets[0]!.onmessage?.({ data: "not json" } as MessageEvent);
    client.stop();
    expect(timers).toHaveLength(0);
    expect(store.lastSeq).toBe(0);
  });

  it("backs off exponentially up to a cap", () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, 5000))).toEqual([250, 500, 1000, 2000, 5000]);
  });
});
