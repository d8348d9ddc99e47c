import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readKeyLedger, removedKeys, writeKeyLedger } from "../../src/security/key-ledger.ts";

const DAY = 86_400_000;

test("a key configured before and missing now is reported while its messages may be retained", () => {
  const start = removedKeys({}, ["k1"], 0, 7 * DAY);
  expect(start.removed).toEqual([]);
  const rotated = removedKeys(start.ledger, ["k2", "k1"], DAY, 7 * DAY);
  const removed = removedKeys(rotated.ledger, ["k2"], 2 * DAY, 7 * DAY);
  expect(removed.removed).toEqual(["k1"]);
  // Still warned at the next start, then forgotten once retention has expired its messages.
  expect(removedKeys(removed.ledger, ["k2"], 3 * DAY, 7 * DAY).removed).toEqual(["k1"]);
  expect(removedKeys(removed.ledger, ["k2"], 9 * DAY, 7 * DAY)).toEqual({
    removed: [],
    ledger: { k2: 9 * DAY },
  });
  // Without retention by age, messages may live for ever: always warned.
  expect(removedKeys(removed.ledger, ["k2"], 900 * DAY, 0).removed).toEqual(["k1"]);
});

test("the ledger file round-trips; a missing or corrupt one is empty", () => {
  const path = join(mkdtempSync(join(tmpdir(), "ts-ledger-")), "keys", "encryption-keys.json");
  expect(readKeyLedger(path)).toEqual({});
  expect(writeKeyLedger(path, { k1: 5 })).toBeUndefined();
  expect(readKeyLedger(path)).toEqual({ k1: 5 });
  writeFileSync(path, "{oops");
  expect(readKeyLedger(path)).toEqual({});
});
