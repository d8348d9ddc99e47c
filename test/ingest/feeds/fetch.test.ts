import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseFeedsConfig } from "../../../src/ingest/feeds/config.ts";
import { feedHeaders, fetchDocument, retryAfterHeader } from "../../../src/ingest/feeds/fetch.ts";
import { TacError } from "../../../src/protocol/errors.ts";
import { startUpstream, type Upstream } from "./node.ts";

let up: Upstream;
const MB = 1024 * 1024;
/** Bytes the 50 MB route has handed to the socket, to prove the reader stopped early. */
let bigSent = 0;

beforeAll(() => {
  up = startUpstream();
  up.route("/doc", (req) => {
    if (req.headers.get("if-none-match") === '"v1"') return new Response(null, { status: 304 });
    return new Response("<rss/>", {
      headers: {
        "content-type": "application/rss+xml",
        etag: '"v1"',
        "last-modified": "Wed, 01 Jan 2025 00:00:00 GMT",
      },
    });
  });
  up.route("/boom", () => new Response("oops", { status: 503 }));
  up.route("/gone", () => new Response("no", { status: 404 }));
  up.route("/denied", () => new Response("no", { status: 401 }));
  up.route("/slow-headers", () => new Promise((r) => setTimeout(() => r(new Response("late")), 2_000)));
  up.route("/slow-body", () => {
    const stream = new ReadableStream({
      async pull(c) {
        c.enqueue(new TextEncoder().encode("x".repeat(100)));
        await new Promise((r) => setTimeout(r, 2_000));
      },
    });
    return new Response(stream);
  });
  up.route("/limited", () => new Response("slow down", { status: 429, headers: { "retry-after": "7" } }));
  up.route("/declared-big", () => new Response("x".repeat(4096), { headers: { "content-length": "4096" } }));
  up.route("/big", () => {
    bigSent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    let left = 50 * MB;
    // No Content-Length: the cap must hold while the body streams, not only against a declared size.
    const stream = new ReadableStream({
      pull(c) {
        if (left <= 0) {
          c.close();
          return;
        }
        c.enqueue(chunk);
        left -= chunk.byteLength;
        bigSent += chunk.byteLength;
      },
    });
    return new Response(stream, { headers: { "content-type": "application/octet-stream" } });
  });
});
afterAll(() => up.stop());

const base = { headers: {}, accept: "*/*", timeoutMs: 1_000, maxBytes: MB };

async function failure(p: Promise<unknown>): Promise<TacError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TacError);
    return e as TacError;
  }
  throw new Error("request succeeded");
}

describe("fetchDocument against a real server", () => {
  test("200 returns bytes and validators; the validators then get a 304", async () => {
    const first = await fetchDocument({ ...base, url: `${up.url}/doc` });
    expect(first.notModified).toBe(false);
    expect(new TextDecoder().decode(first.bytes)).toBe("<rss/>");
    expect(first.etag).toBe('"v1"');
    expect(first.lastModified).toBe("Wed, 01 Jan 2025 00:00:00 GMT");
    expect(first.contentType).toBe("application/rss+xml");
    const second = await fetchDocument({ ...base, url: `${up.url}/doc`, etag: first.etag! });
    expect(second.notModified).toBe(true);
    expect(second.bytes.byteLength).toBe(0);
    const sent = up.requests.filter((r) => r.path === "/doc").at(-1)!.headers;
    expect(sent.get("if-none-match")).toBe('"v1"');
    expect(sent.get("user-agent")).toContain("tacstream");
  });

  test("status codes become typed errors the retry policy reads", async () => {
    expect((await failure(fetchDocument({ ...base, url: `${up.url}/boom` }))).code).toBe("UNAVAILABLE");
    expect((await failure(fetchDocument({ ...base, url: `${up.url}/gone` }))).code).toBe("NOT_FOUND");
    expect((await failure(fetchDocument({ ...base, url: `${up.url}/denied` }))).code).toBe("FORBIDDEN");
    const limited = await failure(fetchDocument({ ...base, url: `${up.url}/limited?key=secret` }));
    expect(limited.code).toBe("RATE_LIMITED");
    expect(limited.retryAfter).toBe(7);
    // The query (where API keys live) never reaches a message.
    expect(limited.message).not.toContain("secret");
  });

  test("the deadline covers the headers and the body", async () => {
    const t0 = performance.now();
    const h = await failure(fetchDocument({ ...base, timeoutMs: 200, url: `${up.url}/slow-headers` }));
    expect(h.code).toBe("UNAVAILABLE");
    expect(h.message).toContain("timed out after 200 ms");
    const b = await failure(fetchDocument({ ...base, timeoutMs: 200, url: `${up.url}/slow-body` }));
    expect(b.message).toContain("timed out after 200 ms");
    expect(performance.now() - t0).toBeLessThan(1_500);
  });

  test("a refused connection is UNAVAILABLE", async () => {
    const e = await failure(fetchDocument({ ...base, url: "http://127.0.0.1:1/feed" }));
    expect(e.code).toBe("UNAVAILABLE");
  });

  test("a declared size over the cap is refused before reading", async () => {
    const e = await failure(fetchDocument({ ...base, maxBytes: 1024, url: `${up.url}/declared-big` }));
    expect(e.code).toBe("PAYLOAD_TOO_LARGE");
  });

  test("a 50 MB streamed body is cut at the cap: little is read, memory stays flat", async () => {
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 3; i++) {
      const e = await failure(fetchDocument({ ...base, timeoutMs: 10_000, url: `${up.url}/big` }));
      expect(e.code).toBe("PAYLOAD_TOO_LARGE");
      // The server could push only what the socket buffers hold beyond the 1 MiB read.
      expect(bigSent).toBeLessThan(12 * MB);
    }
    Bun.gc(true);
    const grown = process.memoryUsage().rss - before;
    expect(grown).toBeLessThan(40 * MB);
  });

  test("the stop signal abandons a request with its own reason", async () => {
    const stop = new AbortController();
    const p = fetchDocument({
      ...base,
      timeoutMs: 5_000,
      url: `${up.url}/slow-headers`,
      signal: stop.signal,
    });
    const reason = new Error("stopping");
    setTimeout(() => stop.abort(reason), 50);
    await expect(p).rejects.toBe(reason);
  });
});

describe("request headers", () => {
  test("credentials: bearer, basic (UTF-8), custom header", () => {
    const [a, b, c] = parseFeedsConfig({
      feeds: [
        { id: "a", kind: "rss", url: "https://x.org/", auth: { bearer: "tok" }, headers: { "X-A": "1" } },
        {
          id: "b",
          kind: "rss",
          url: "https://x.org/",
          auth: { basic: { username: "zoë", password: "p:w" } },
        },
        { id: "c", kind: "rss", url: "https://x.org/", auth: { header: { name: "X-Key", value: "k" } } },
      ],
    });
    expect(feedHeaders(a!)).toEqual({ "X-A": "1", Authorization: "Bearer tok" });
    const basic = feedHeaders(b!).Authorization!;
    expect(new TextDecoder().decode(Uint8Array.from(atob(basic.slice(6)), (ch) => ch.charCodeAt(0)))).toBe(
      "zoë:p:w",
    );
    expect(feedHeaders(c!)).toEqual({ "X-Key": "k" });
  });

  test("Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterHeader("12", 0)).toBe(12);
    expect(retryAfterHeader(new Date(30_000).toUTCString(), 0)).toBe(30);
    expect(retryAfterHeader("soon", 0)).toBeUndefined();
    expect(retryAfterHeader(null, 0)).toBeUndefined();
  });
});
