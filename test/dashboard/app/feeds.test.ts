import { expect, test } from "bun:test";
import { parseFeedList } from "../../../src/dashboard/app/feeds.ts";

test("GET /v1/feeds is read loosely: arrays, {feeds:[…]}, {feeds:{id:…}}, strings", () => {
  expect(
    parseFeedList({
      feeds: [
        { id: "kev", type: "kev", status: "ok", breaker: { state: "closed" } },
        { feedId: "rss.x", state: "failing", circuit: "open", lastError: "HTTP 503" },
        { nope: 1 },
        null,
      ],
    }),
  ).toEqual([
    { id: "kev", status: "ok", breaker: "closed", detail: "kev" },
    { id: "rss.x", status: "failing", breaker: "open", detail: "HTTP 503" },
  ]);
  expect(parseFeedList(["a", { name: "b", enabled: false }])).toEqual([
    { id: "a", status: "", breaker: "", detail: "" },
    { id: "b", status: "disabled", breaker: "", detail: "" },
  ]);
  expect(parseFeedList({ feeds: { c: { status: "ok" } } })).toEqual([
    { id: "c", status: "ok", breaker: "", detail: "" },
  ]);
  expect(parseFeedList("garbage")).toEqual([]);
  expect(parseFeedList(null)).toEqual([]);
});
