import { describe, expect, test } from "bun:test";
import { toEpochMs } from "../../../src/ingest/parsers/dates.ts";

describe("toEpochMs", () => {
  test("ISO and RFC 822 strings, epoch seconds and milliseconds, as numbers or strings", () => {
    expect(toEpochMs("2024-01-02T03:04:05Z")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(toEpochMs("Tue, 10 Jun 2003 04:00:00 GMT")).toBe(Date.UTC(2003, 5, 10, 4));
    expect(toEpochMs(1_700_000_000)).toBe(1_700_000_000_000);
    expect(toEpochMs("1700000000")).toBe(1_700_000_000_000);
    expect(toEpochMs(1_700_000_000_123)).toBe(1_700_000_000_123);
  });

  test("nonsense is undefined", () => {
    for (const x of ["soon", "", -5, Number.NaN, null, {}, true]) expect(toEpochMs(x)).toBeUndefined();
  });
});
