import { ErrorCode, TacError } from "../protocol/errors.ts";
import { decodeBody } from "./body.ts";

const tooLarge = (max: number) =>
  new TacError(ErrorCode.PayloadTooLarge, `request body is larger than MAX_PAYLOAD (${max} bytes)`);

/** A declared Content-Length over the limit is refused without reading a byte of the body. */
export function checkDeclaredLength(req: Request, maxSize: number): void {
  const declared = req.headers.get("content-length");
  if (declared !== null && !req.headers.has("transfer-encoding") && Number(declared) > maxSize) {
    throw tooLarge(maxSize);
  }
}

/** As readBytesLimited, then decoded as UTF-8 text (invalid UTF-8 is a 400, never U+FFFD). */
export async function readBodyLimited(req: Request, maxSize: number): Promise<string> {
  return decodeBody(await readBytesLimited(req, maxSize));
}

/**
 * Reads a request body's raw bytes (what a webhook signature covers), refusing it (413) as soon as more than `maxSize` bytes arrived.
 * Called only once the caller is authorised, so an unauthenticated client cannot make the node buffer
 * a megabyte (Hono's bodyLimit buffers a chunked body before the handler runs).
 */
export async function readBytesLimited(req: Request, maxSize: number): Promise<Uint8Array> {
  checkDeclaredLength(req, maxSize);
  if (req.body === null) return new Uint8Array(0);
  // A declared length (already checked against the limit) is read in one call: the stream reader below
  // costs a promise per chunk on the hot path and is only needed when the size is unknown (chunked).
  if (req.headers.has("content-length") && !req.headers.has("transfer-encoding")) {
    const bytes = new Uint8Array(await req.arrayBuffer());
    if (bytes.byteLength > maxSize) throw tooLarge(maxSize);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxSize) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxSize);
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks, size));
}
