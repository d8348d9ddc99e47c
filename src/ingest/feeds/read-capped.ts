import { ErrorCode, TacError } from "../../protocol/errors.ts";

/**
 * Reads a response body up to `maxBytes`, chunk by chunk, and cancels the stream the moment it would
 * pass the cap: a 50 MB answer costs at most `maxBytes` of memory plus one chunk, never the whole body.
 * The bytes counted are the decoded ones (after the runtime's gzip/brotli), so a compression bomb is
 * capped too.
 * @throws TacError PAYLOAD_TOO_LARGE past the cap.
 */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        // cancel() tells the runtime to stop reading the socket; the caller's abort closes it.
        await reader.cancel().catch(() => undefined);
        throw new TacError(ErrorCode.PayloadTooLarge, `response body is larger than maxBytes (${maxBytes})`);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
