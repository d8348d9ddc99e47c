/**
 * Spots environment variables that look like a misspelt or misremembered tacstream setting, so a typo
 * (`LOG_LEVL`) or a name from another product (`JWT_SECRET`) is reported instead of silently ignored.
 * Pure: the caller passes the variable names and the known keys.
 */

/**
 * Prefixes people put before our keys (`TACSTREAM_PORT`, `AUTH_TOKEN_SECRET`). Any other prefix belongs to
 * another tool (`TF_CLI_CONFIG_FILE`, `KUBERNETES_SERVICE_PORT`) and is left alone.
 */
const OUR_PREFIXES: ReadonlySet<string> = new Set(["TACSTREAM", "AUTH", "APP", "SERVER"]);

/** Words other products use for what tacstream calls by another name. */
const SYNONYMS: Readonly<Record<string, string>> = { JWT: "TOKEN" };

/** Levenshtein distance, stopping early once it exceeds `max` (the names are short). */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const d = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * The known key `name` most likely meant, or undefined when it looks unrelated. Only SHOUTING_CASE
 * names are considered (npm_*, lower-case shell variables never are), and
 * - same letters in another case (`Port`), or
 * - within edit distance 2 of a key (1 for names under 6 characters, so HOME is not taken for HOST), or
 * - equal to a key once synonyms are mapped (`JWT_SECRET` → TOKEN_SECRET), or
 * - a key behind one of our prefixes (`AUTH_JWT_SECRET` → TOKEN_SECRET, `TACSTREAM_PORT` → PORT).
 */
export function nearestKey(name: string, known: readonly string[]): string | undefined {
  if (known.includes(name)) return undefined;
  const upper = name.toUpperCase();
  if (known.includes(upper)) return upper;
  if (name !== upper || !/^[A-Z][A-Z0-9_]*$/.test(name)) return undefined;
  const max = name.length < 6 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const key of known) {
    const d = editDistance(name, key, max);
    if (d < bestDistance) {
      best = key;
      bestDistance = d;
    }
  }
  if (best !== undefined) return best;
  const words = name.split("_").map((w) => SYNONYMS[w] ?? w);
  const mapped = words.join("_");
  if (known.includes(mapped)) return mapped;
  let start = 0;
  while (start < words.length - 1 && OUR_PREFIXES.has(words[start] ?? "")) start++;
  if (start === 0) return undefined;
  const rest = words.slice(start).join("_");
  return known.includes(rest) ? rest : undefined;
}

/** One warning line per environment variable that resembles a known key. */
export function nearMissWarnings(names: Iterable<string>, known: readonly string[]): string[] {
  const warnings: string[] = [];
  for (const name of names) {
    const key = nearestKey(name, known);
    if (key !== undefined) warnings.push(`unknown setting ${name} is ignored: did you mean ${key}?`);
  }
  return warnings;
}
