import * as v from "valibot";
import { ErrorCode, TacError } from "../protocol/errors.ts";
import { FeedIdSchema, PRIORITIES } from "../protocol/message.ts";
import type { SessionState } from "./session.ts";
import type { WireFormat } from "./topics.ts";

export const PROTOCOL_JSON = "tacstream.v1.json";
export const PROTOCOL_BINARY = "tacstream.v1.binary";

/**
 * Picks the wire format from `Sec-WebSocket-Protocol`; JSON unless the client offers binary first.
 * An offer with no known entry is refused: a runtime that is given no protocol to answer with echoes
 * the client's first entry (Bun does), and that entry may be `tacstream.token.<jwt>`.
 */
export function negotiateProtocol(header: string | null): { format: WireFormat; protocol?: string } {
  if (header === null || header.trim() === "") return { format: "json" };
  for (const p of header.split(",")) {
    const name = p.trim();
    if (name === PROTOCOL_BINARY) return { format: "binary", protocol: name };
    if (name === PROTOCOL_JSON) return { format: "json", protocol: name };
  }
  throw new TacError(
    ErrorCode.Validation,
    `Sec-WebSocket-Protocol must include ${PROTOCOL_JSON} or ${PROTOCOL_BINARY}`,
    { path: "sec-websocket-protocol" },
  );
}

const QuerySchema = v.object({
  feeds: v.optional(v.pipe(v.array(FeedIdSchema), v.maxLength(256))),
  since: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,16}$/, "since must be a whole number"), v.transform(Number)),
  ),
  minPriority: v.optional(v.picklist(PRIORITIES)),
});

/** `?feeds=a,b&since=N&minPriority=high` subscribes on connect; validated before the upgrade. */
export function parseStreamQuery(url: URL): SessionState["initial"] {
  const feeds = url.searchParams.get("feeds");
  const raw = {
    feeds: feeds === null || feeds === "" ? undefined : feeds.split(","),
    since: url.searchParams.get("since") ?? undefined,
    minPriority: url.searchParams.get("minPriority") ?? undefined,
  };
  const res = v.safeParse(QuerySchema, raw);
  if (!res.success) {
    const issue = res.issues[0];
    throw new TacError(ErrorCode.Validation, issue.message, {
      path: String(issue.path?.[0]?.key ?? "query"),
    });
  }
  if (res.output.feeds === undefined) return undefined;
  const initial: NonNullable<SessionState["initial"]> = { feeds: res.output.feeds };
  if (res.output.since !== undefined) initial.since = res.output.since;
  if (res.output.minPriority !== undefined) initial.minPriority = res.output.minPriority;
  return initial;
}
