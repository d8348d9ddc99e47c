/**
 * The close code a WebSocket peer actually got, where a runtime's own report says otherwise, so
 * `/metrics` counts what happened on the wire rather than one catch-all 1006.
 */

const BUN_BY_REASON: ReadonlyMap<string, number> = new Map([
  ["Received too big message", 1009],
  ["Received too big message, or other inflation error", 1009],
  ["Received invalid UTF-8", 1007],
]);

/**
 * Bun hands its `close` handler 1006 ("abnormal closure") for every close it initiates on a protocol
 * violation, although it did send the client a close frame with a real code: 1009 for an oversize
 * frame, 1007 for invalid UTF-8, 1002 for the other protocol errors. What it passes along is the reason
 * it wrote in that frame, always "Received …"; from it the code is recovered. A 1006 with no reason is
 * a real abnormal closure (a reset, a dropped TCP connection, Bun's own backpressure cut) and stays.
 */
export function bunWireCloseCode(code: number, reason: string | undefined): number {
  if (code !== 1006 || reason === undefined || !reason.startsWith("Received ")) return code;
  return BUN_BY_REASON.get(reason) ?? 1002;
}

/**
 * The `ws` package closes a connection whose frame it refuses with the code it attaches to the error
 * (under its `status-code` symbol: 1002, 1007, 1009), then reports the close as 1006 because the peer
 * never answered. The code it sent, or undefined for an error that is not a protocol refusal.
 */
export function wsErrorCloseCode(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  for (const sym of Object.getOwnPropertySymbols(err)) {
    if (sym.description !== "status-code") continue;
    const code = (err as Record<symbol, unknown>)[sym];
    return typeof code === "number" ? code : undefined;
  }
  return undefined;
}
