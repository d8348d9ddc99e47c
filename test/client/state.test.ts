import { describe, expect, test } from "bun:test";
import { initialState, mayReconnect, reduce, type StreamConnection } from "../../src/client/state.ts";

describe("connection state", () => {
  test("connect → open → lost → connect → open resets attempts", () => {
    let s: StreamConnection = initialState("c1", "", 5);
    expect(s).toMatchObject({ status: "disconnected", reconnectAttempts: 0, lastHeartbeat: null });
    s = reduce(s, { type: "connect", url: "ws://x/v1/stream", urlIndex: 0 });
    expect(s).toMatchObject({ status: "connecting", url: "ws://x/v1/stream" });
    s = reduce(s, { type: "open" });
    expect(s.status).toBe("connected");
    s = reduce(s, { type: "lost", delayMs: 700 });
    expect(s).toMatchObject({ status: "disconnected", reconnectAttempts: 1, reconnectDelay: 700 });
    s = reduce(s, { type: "connect", url: "ws://y/v1/stream", urlIndex: 1 });
    expect(s).toMatchObject({ status: "connecting", urlIndex: 1, reconnectAttempts: 1, reconnectDelay: 0 });
    s = reduce(s, { type: "lost", delayMs: 900 });
    expect(s.reconnectAttempts).toBe(2);
    s = reduce(reduce(s, { type: "connect", url: "ws://y", urlIndex: 1 }), { type: "open" });
    expect(s).toMatchObject({ status: "connected", reconnectAttempts: 0 });
  });

  test("heartbeat records the time; the previous state object is untouched", () => {
    const s0 = reduce(initialState("c", "", 1), { type: "open" });
    const s1 = reduce(s0, { type: "heartbeat", at: 1_700_000_000_000 });
    expect(s1.lastHeartbeat?.getTime()).toBe(1_700_000_000_000);
    expect(s0.lastHeartbeat).toBeNull();
  });

  test("mayReconnect stops at maxReconnectAttempts; give-up is the error state", () => {
    let s = initialState("c", "", 2);
    expect(mayReconnect(s)).toBe(true);
    s = reduce(s, { type: "lost", delayMs: 1 });
    expect(mayReconnect(s)).toBe(true);
    s = reduce(s, { type: "lost", delayMs: 1 });
    expect(mayReconnect(s)).toBe(false);
    s = reduce(s, { type: "give-up" });
    expect(s.status).toBe("error");
    expect(reduce(s, { type: "close" }).status).toBe("disconnected");
  });
});
