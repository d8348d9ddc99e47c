import * as fs from "node:fs";

/**
 * The few file operations of the write path. Writes are synchronous (a copy into the page cache costs
 * microseconds and keeps a group's bytes contiguous and ordered); syncs are asynchronous, so they run
 * on the thread pool while the event loop keeps taking appends for the next group.
 */
export function writeFully(fd: number, buf: Uint8Array, length: number, position: number): void {
  let done = 0;
  while (done < length) done += fs.writeSync(fd, buf, done, length - done, position + done);
}

export function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function fsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
