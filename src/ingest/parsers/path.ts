/**
 * Dot paths into parsed JSON, the only "query language" a JSON mapping has (no user code runs):
 * - `data.results` — object keys, separated by dots (keys that contain a dot cannot be named);
 * - `items.0.title` — a decimal segment indexes an array;
 * - `data.*.ip` — `*` takes every element of an array (or every value of an object); the result is the
 *   flat list of what the rest of the path finds in each;
 * - `""` — the value itself.
 * Only own properties are followed, so `__proto__` or `constructor` find nothing.
 */
export function resolvePath(value: unknown, path: string): unknown {
  if (path === "") return value;
  return walk(value, path.split("."), 0);
}

function walk(value: unknown, segments: readonly string[], i: number): unknown {
  if (i === segments.length) return value;
  if (value === null || typeof value !== "object") return undefined;
  const seg = segments[i]!;
  if (seg === "*") {
    const out: unknown[] = [];
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      const found = walk(child, segments, i + 1);
      if (found === undefined) continue;
      if (Array.isArray(found) && segments.indexOf("*", i + 1) >= 0) out.push(...found);
      else out.push(found);
    }
    return out;
  }
  if (Array.isArray(value)) {
    if (!/^\d+$/.test(seg)) return undefined;
    return walk(value[Number(seg)], segments, i + 1);
  }
  if (!Object.hasOwn(value, seg)) return undefined;
  return walk((value as Record<string, unknown>)[seg], segments, i + 1);
}
