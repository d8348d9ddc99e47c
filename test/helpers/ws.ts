/**
 * A WebSocket test client that queues everything it receives, so tests await messages (no sleeps):
 * `next()` resolves with the next message, `until(pred)` with the first that matches.
 */
export interface TestSocket {
  ws: WebSocket;
  received: Array<string | Uint8Array>;
  next(timeoutMs?: number): Promise<string | Uint8Array>;
  nextJson<T = Record<string, unknown>>(timeoutMs?: number): Promise<T>;
  untilJson<T = Record<string, unknown>>(pred: (m: T) => boolean, timeoutMs?: number): Promise<T>;
  send(op: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export function openSocket(url: string, protocols?: string | string[]): Promise<TestSocket> {
  const ws = new WebSocket(url, protocols);
  ws.binaryType = "arraybuffer";
  const queue: Array<string | Uint8Array> = [];
  const received: Array<string | Uint8Array> = [];
  let waiter: (() => void) | undefined;
  ws.onmessage = (e) => {
    const data = typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer);
    queue.push(data);
    received.push(data);
    waiter?.();
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.onclose = (e) => {
      resolve({ code: e.code, reason: e.reason });
      waiter?.();
    };
  });
  let isClosed = false;
  void closed.then(() => {
    isClosed = true;
  });
  const next = async (timeoutMs = 5000): Promise<string | Uint8Array> => {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0) {
      if (isClosed) throw new Error("socket closed while waiting for a message");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      waiter = undefined;
    }
    return queue.shift()!;
  };
  const nextJson = async <T>(timeoutMs?: number): Promise<T> => {
    const m = await next(timeoutMs);
    if (typeof m !== "string") throw new Error("expected a text frame, got binary");
    return JSON.parse(m) as T;
  };
  const untilJson = async <T>(pred: (m: T) => boolean, timeoutMs = 5000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await next(Math.max(1, deadline - Date.now()));
      if (typeof m !== "string") continue;
      const j = JSON.parse(m) as T;
      if (pred(j)) return j;
    }
  };
  return new Promise((resolve, reject) => {
    ws.onopen = () =>
      resolve({
        ws,
        received,
        next,
        nextJson,
        untilJson,
        send: (op) => ws.send(typeof op === "string" ? op : JSON.stringify(op)),
        closed,
        close: () => ws.close(),
      });
    ws.onerror = () => reject(new Error(`cannot open ${url}`));
  });
}
