/** Reading a Prometheus text exposition in tests. */

/** Sample lines (`name{labels} value`) of a scrape, keyed by series, comments left out. */
export function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Metric family names declared by `# TYPE` lines. */
export function families(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^# TYPE (\S+) /.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await fetch(`${url}/metrics`, { headers });
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
  return r.text();
}

/**
 * Scrapes until `series` reaches `atLeast` (the server counts on its side of an exchange the client may
 * see end first), or fails after `timeoutMs` with the value it last saw.
 */
export async function untilSample(
  url: string,
  series: string,
  atLeast = 1,
  timeoutMs = 5000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last: number | undefined;
  for (;;) {
    last = samples(await scrape(url)).get(series);
    if (last !== undefined && last >= atLeast) return last;
    if (Date.now() > deadline)
      throw new Error(`${series} is ${last} after ${timeoutMs} ms, wanted ${atLeast}`);
    await Bun.sleep(20);
  }
}
