/**
 * The client address a trusted proxy put in a header. A list header (`x-forwarded-for: a, b, c`) is
 * appended to by every hop, so only its rightmost entry was written by the proxy in front of us: the
 * entries to its left came from the client and are whatever the client chose. Single-value headers
 * (`fly-client-ip`) are the same case with one entry.
 */
export function proxiedClientIp(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const parts = value.split(",");
  for (let i = parts.length - 1; i >= 0; i--) {
    const ip = parts[i]!.trim();
    if (ip !== "") return ip;
  }
  return undefined;
}
