/**
 * Bun hands the `close` handler 1006 ("abnormal closure") for every close it initiates itself on a
 * protocol violation, although it did send the client a close frame with a real code: 1009 for an
 * oversize frame, 1007 for invalid UTF-8, 1002 for the other protocol errors. What it passes along is
 * the reason it wrote in that frame, always "Received …"; from it the code the peer got is recovered,
 * so `/metrics` counts what happened on the wire rather than one catch-all. A 1006 with no reason is a
 * real abnormal closure (a reset, a dropped TCP connection, Bun's own backpressure cut) and stays 1006.
 */
const BY_REASON: ReadonlyMap<string, number> = new Map([
  ["Received too big message", 1009],
  ["Received too big message, or other inflation error", 1009],
  ["Received invalid UTF-8", 1007],
]);

/** The close code the peer saw, from what Bun's `close` handler was given. */
export function wireCloseCode(code: number, reason: string | undefined): number {
  if (code !== 1006 || reason === undefined || !reason.startsWith("Received ")) return code;
  return BY_REASON.get(reason) ?? 1002;
}
