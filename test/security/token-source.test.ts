import { describe, expect, test } from "bun:test";
import { extractToken, offeredProtocols } from "../../src/security/token-source.ts";

const req = (url: string, headers: Record<string, string> = {}) => new Request(url, { headers });
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzIn0.c2ln";

describe("extractToken", () => {
  test("Authorization: Bearer first, then the sub-protocol entry, then ?token=", () => {
    expect(extractToken(req("http://h/v1/stream?token=q", { authorization: `Bearer ${JWT}` }))).toEqual({
      token: JWT,
      source: "authorization",
    });
    expect(
      extractToken(
        req("http://h/v1/stream?token=q", {
          "sec-websocket-protocol": `tacstream.v1.json, tacstream.token.${JWT}`,
        }),
      ),
    ).toEqual({ token: JWT, source: "protocol" });
    expect(extractToken(req(`http://h/v1/stream?token=${JWT}`))).toEqual({ token: JWT, source: "query" });
  });

  test("the query token can be turned off; other schemes and empty values are not tokens", () => {
    expect(extractToken(req(`http://h/?token=${JWT}`), { allowQuery: false })).toBeNull();
    expect(extractToken(req("http://h/", { authorization: "Basic dXNlcjpwYXNz" }))).toBeNull();
    expect(extractToken(req("http://h/", { authorization: "Bearer " }))).toBeNull();
    expect(extractToken(req("http://h/", { "sec-websocket-protocol": "tacstream.token." }))).toBeNull();
    expect(extractToken(req("http://h/?token="))).toBeNull();
    expect(extractToken(req("http://h/", { authorization: `bearer   ${JWT}` }))?.token).toBe(JWT);
  });

  test("offeredProtocols never includes the token entry the server must not echo", () => {
    expect(offeredProtocols(`tacstream.v1.binary, tacstream.token.${JWT},tacstream.v1.json`)).toEqual([
      "tacstream.v1.binary",
      "tacstream.v1.json",
    ]);
    expect(offeredProtocols(null)).toEqual([]);
  });
});
