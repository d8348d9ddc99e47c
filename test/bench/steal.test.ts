import { describe, expect, test } from "bun:test";
import { parseCpuTimes, readCpuTimes, stealShare } from "../../bench/lib/steal.ts";

// The shape of a Linux 6.x /proc/stat, as read on this project's bench VM.
const STAT = `cpu  18674 669 15254 120110 2550 0 5687 6677 0 0
cpu0 9000 300 8000 60000 1200 0 3000 4000 0 0
cpu1 9674 369 7254 60110 1350 0 2687 2677 0 0
intr 1234 0 0
ctxt 98765
`;

describe("steal time", () => {
  test("reads one CPU's counters: eight fields summed, steal the eighth", () => {
    expect(parseCpuTimes(STAT, "cpu0")).toEqual({
      total: 9000 + 300 + 8000 + 60000 + 1200 + 0 + 3000 + 4000,
      steal: 4000,
    });
    expect(parseCpuTimes(STAT, "cpu")?.steal).toBe(6677);
  });

  test("a CPU that is not listed, or a torn line, is unknown rather than zero", () => {
    expect(parseCpuTimes(STAT, "cpu7")).toBeNull();
    expect(parseCpuTimes("cpu0 1 2 3", "cpu0")).toBeNull();
    expect(parseCpuTimes("cpu0 1 2 x 4 5 6 7 8", "cpu0")).toBeNull();
  });

  test("the share is steal over all time between two readings", () => {
    const a = { total: 1000, steal: 10 };
    expect(stealShare(a, { total: 1200, steal: 30 })).toBeCloseTo(0.1);
    expect(stealShare(a, { total: 1000, steal: 10 })).toBeNull();
    expect(stealShare(null, a)).toBeNull();
  });

  test("this machine's own counters parse (Linux)", () => {
    if (process.platform !== "linux") return;
    const t = readCpuTimes("cpu0");
    expect(t).not.toBeNull();
    expect(t!.total).toBeGreaterThan(0);
  });
});
