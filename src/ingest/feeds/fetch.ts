import { ErrorCode, TacError } from "../../protocol/errors.ts";
import type { FeedConfig } from "./config.ts";
import { readCapped } from "./read-capped.ts";

export type FetchFn = (url: string, init: RequestInit) => Promise<Response>;

export interface FetchRequest {
  url: string;
  headers: Record<string, string>;
  accept: string;
  timeoutMs: number;
  maxBytes: number;
  /** Validators of the last good answer: a 304 then costs no body and no parse. */
  etag?: string;
  lastModified?: string;
  /** The poller's stop signal: aborting it abandons the request without counting a failure. */
  signal?: AbortSignal;
}

export interface Fetched {
  notModified: boolean;
  bytes: Uint8Array;
  contentType?: string;
  etag?: string;
  lastModified?: string;
  headers: Headers;
}

export const USER_AGENT = "tacstream-feeds/0.1 (+https://github.com/tacstream)";

/** Request headers for a feed: its own, then its credentials (which win over a same-named header). */
export function feedHeaders(feed: FeedConfig): Record<string, string> {
  const out: Record<string, string> = { ...feed.headers };
  const a = feed.auth;
  if (a === undefined) return out;
  if ("bearer" in a) out.Authorization = `Bearer ${a.bearer}`;
  else if ("basic" in a) out.Authorization = `Basic ${base64Utf8(`${a.basic.username}:${a.basic.password}`)}`;
  else out[a.header.name] = a.header.value;
  return out;
}

function base64Utf8(s: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** `Retry-After` as seconds (delta or HTTP date), or undefined. */
export function retryAfterHeader(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** An upstream answer that is not a document, as the typed error the retry and breaker policies read. */
function statusError(res: Response, url: string, now: number): TacError {
  const what = `${safeUrl(url)} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
  if (res.status === 429) {
    const retryAfter = retryAfterHeader(res.headers.get("retry-after"), now);
    return new TacError(ErrorCode.RateLimited, what, retryAfter === undefined ? {} : { retryAfter });
  }
  if (res.status >= 500 || res.status === 408) return new TacError(ErrorCode.Unavailable, what);
  if (res.status === 401 || res.status === 403) return new TacError(ErrorCode.Forbidden, what);
  if (res.status === 404 || res.status === 410) return new TacError(ErrorCode.NotFound, what);
  return new TacError(ErrorCode.BadOp, what);
}

/** A URL fit for logs and the status endpoint: no credentials, no query (API keys live there). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid url)";
  }
}

/**
 * One GET with everything a poller needs: conditional headers, a deadline over the whole exchange
 * (headers and body), and a byte cap enforced while the body streams.
 * @throws TacError UNAVAILABLE (network, timeout, 5xx: worth retrying), RATE_LIMITED (429, with
 *   retryAfter), PAYLOAD_TOO_LARGE, NOT_FOUND / FORBIDDEN / BAD_OP (other 4xx: not worth retrying);
 *   the stop signal's reason when `signal` aborts.
 */
export async function fetchDocument(req: FetchRequest, fetchFn: FetchFn = fetch): Promise<Fetched> {
  const deadline = new AbortController();
  const onStop = () => deadline.abort(req.signal?.reason);
  req.signal?.throwIfAborted();
  req.signal?.addEventListener("abort", onStop, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort(new Error("timeout"));
  }, req.timeoutMs);
  const headers: Record<string, string> = { "User-Agent": USER_AGENT, Accept: req.accept, ...req.headers };
  if (req.etag !== undefined) headers["If-None-Match"] = req.etag;
  if (req.lastModified !== undefined) headers["If-Modified-Since"] = req.lastModified;
  try {
    const res = await fetchFn(req.url, { headers, signal: deadline.signal, redirect: "follow" });
    if (res.status === 304) {
      await res.body?.cancel().catch(() => undefined);
      return { notModified: true, bytes: new Uint8Array(0), headers: res.headers };
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw statusError(res, req.url, Date.now());
    }
    const declared = Number(res.headers.get("content-length") ?? Number.NaN);
    if (declared > req.maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new TacError(
        ErrorCode.PayloadTooLarge,
        `${safeUrl(req.url)} declares ${declared} bytes, more than maxBytes (${req.maxBytes})`,
      );
    }
    const bytes = await readCapped(res.body, req.maxBytes);
    const out: Fetched = { notModified: false, bytes, headers: res.headers };
    const type = res.headers.get("content-type");
    if (type !== null) out.contentType = type;
    const etag = res.headers.get("etag");
    if (etag !== null) out.etag = etag;
    const lm = res.headers.get("last-modified");
    if (lm !== null) out.lastModified = lm;
    return out;
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason;
    if (err instanceof TacError) {
      if (err.code === ErrorCode.PayloadTooLarge) deadline.abort(err);
      throw err;
    }
    const reason = timedOut ? `timed out after ${req.timeoutMs} ms` : describe(err);
    throw new TacError(ErrorCode.Unavailable, `${safeUrl(req.url)}: ${reason}`, { cause: err });
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", onStop);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.message}${cause}`;
  }
  return String(err);
}
