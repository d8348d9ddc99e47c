import { describe, expect, test } from "bun:test";
import { placeToken, redactUrl, streamUrl } from "../../src/client/endpoint.ts";

describe("endpoint", () => {
  test("stream URL: http → ws, the default path added, an explicit path kept", () => {
    expect(streamUrl("http://127.0.0.1:8080").href).toBe("ws://127.0.0.1:8080/v1/stream");
    expect(streamUrl("https://h.example").href).toBe("wss://h.example/v1/stream");
    expect(streamUrl("ws://h:1/custom/stream?x=1").href).toBe("ws://h:1/custom/stream?x=1");
  });

  test("token in the query or as a sub-protocol entry; absent token changes nothing", () => {
    const url = streamUrl("ws://h:1");
    expect(placeToken(url, ["tacstream.v1.json"], "a.b.c", "query")).toEqual({
      url: "ws://h:1/v1/stream?token=a.b.c",
      protocols: ["tacstream.v1.json"],
    });
    expect(placeToken(url, ["tacstream.v1.json"], "a.b.c", "protocol")).toEqual({
      url: "ws://h:1/v1/stream",
      protocols: ["tacstream.v1.json", "tacstream.token.a.b.c"],
    });
    expect(placeToken(url, ["p"], undefined, "query")).toEqual({
      url: "ws://h:1/v1/stream",
      protocols: ["p"],
    });
  });

  test("redactUrl hides the token", () => {
    expect(redactUrl("ws://h/v1/stream?token=secret")).not.toContain("secret");
  });
});
