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

/**
 * Reads a request body as UTF-8 text (invalid UTF-8 is a 400, never U+FFFD), refusing it (413) as soon as more than `maxSize` bytes arrived.
 * Called only once the caller is authorised, so an unauthenticated client cannot make the node buffer
 * a megabyte (Hono's bodyLimit buffers a chunked body before the handler runs).
 */
export async function readBodyLimited(req: Request, maxSize: number): Promise<string> {
  checkDeclaredLength(req, maxSize);
  if (req.body === null) return "";
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
  return decodeBody(Buffer.concat(chunks, size));
}
