import { expect, test } from "bun:test";
import { formatDuration, formatRate, splitIndicator } from "../../../src/dashboard/app/format.ts";

test("TTL countdown text", () => {
  expect(formatDuration(0)).toBe("expired");
  expect(formatDuration(-5)).toBe("expired");
  expect(formatDuration(61_500)).toBe("1m 01s");
  expect(formatDuration(7_199_000)).toBe("1h 59m 59s");
  expect(formatDuration(90_061_000)).toBe("1d 01h 01m");
});

test("indicators and rates", () => {
  expect(splitIndicator("ipv4:10.0.0.1")).toEqual({ kind: "ipv4", value: "10.0.0.1" });
  expect(splitIndicator("url:https://x.example/a:b")).toEqual({
    kind: "url",
    value: "https://x.example/a:b",
  });
  expect(splitIndicator("plain")).toEqual({ kind: "", value: "plain" });
  expect(formatRate(1999.6)).toBe("2000");
  expect(formatRate(25_000)).toBe("25.0k");
});
