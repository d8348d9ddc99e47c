import { expect, test } from "bun:test";
import { proxiedClientIp } from "../../src/security/client-ip.ts";

test("x-forwarded-for spoofing: the entry the trusted proxy appended wins, not the client's", () => {
  // The client sent "x-forwarded-for: 10.0.0.1"; the proxy appended the address it saw.
  expect(proxiedClientIp("10.0.0.1, 203.0.113.9")).toBe("203.0.113.9");
  expect(proxiedClientIp("1.1.1.1,2.2.2.2 , 198.51.100.4")).toBe("198.51.100.4");
});

test("a single address, blanks and absence", () => {
  expect(proxiedClientIp("203.0.113.9")).toBe("203.0.113.9");
  expect(proxiedClientIp("203.0.113.9, ")).toBe("203.0.113.9");
  expect(proxiedClientIp(" , ")).toBeUndefined();
  expect(proxiedClientIp(null)).toBeUndefined();
});
