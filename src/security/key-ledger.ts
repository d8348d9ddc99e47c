import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Key id → when it was last configured (epoch ms). */
export type KeyLedger = Record<string, number>;

/**
 * Which encryption keys were configured before but are not now, while messages sealed with them may still
 * be retained (`retentionMs` after they were last configured; 0: retention by age is off, so always).
 * Returns the removed ids and the ledger to store: current keys stamped `now`, expired ones forgotten.
 */
export function removedKeys(
  ledger: KeyLedger,
  currentKids: readonly string[],
  now: number,
  retentionMs: number,
): { removed: string[]; ledger: KeyLedger } {
  const next: KeyLedger = {};
  const removed: string[] = [];
  for (const [kid, lastSeen] of Object.entries(ledger)) {
    if (currentKids.includes(kid) || typeof lastSeen !== "number") continue;
    if (retentionMs === 0 || lastSeen + retentionMs > now) {
      removed.push(kid);
      next[kid] = lastSeen;
    }
  }
  for (const kid of currentKids) next[kid] = now;
  return { removed, ledger: next };
}

/** Reads the ledger file (missing or unreadable: empty — the warning is advice, never a failure). */
export function readKeyLedger(path: string): KeyLedger {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "number"));
  } catch {
    return {};
  }
}

/** Writes the ledger atomically (temp file + rename); failures are reported, not thrown. */
export function writeKeyLedger(path: string, ledger: KeyLedger): Error | undefined {
  try {
    // DATA_DIR itself is often created here first: owner-only, like everything in it.
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(`${path}.tmp`, JSON.stringify(ledger), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    return undefined;
  } catch (e) {
    return e as Error;
  }
}
