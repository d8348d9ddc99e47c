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

test("breaker and poller states in plain words", async () => {
  const { plainHealth } = await import("../../../src/dashboard/app/feeds.ts");
  expect(plainHealth("ok", "closed").text).toBe("healthy");
  expect(plainHealth("failing", "open").text).toBe("failing, retrying");
  expect(plainHealth("ok", "half-open").text).toBe("recovering");
  expect(plainHealth("circuit-open", "open").tone).toBe("bad");
});

test("the backfill shares a budget of positions among the feeds, from each feed's newest", async () => {
  const { backfillPositions, parseCatalog } = await import("../../../src/dashboard/app/feeds.ts");
  const c = parseCatalog({
    epoch: "e1",
    last: 5000,
    feeds: [
      { id: "kev", newestSeq: 5000, count: 1404 },
      { id: "edr", newestSeq: 300, count: 10 },
      { id: "system.alerts", newestSeq: 10 },
      { id: "quiet", newestSeq: 0 },
    ],
  });
  expect(backfillPositions(c, 1000, 50, (id) => id === "system.alerts")).toEqual({
    kev: { seq: 4500, epoch: "e1" },
    edr: { seq: 0, epoch: "e1" },
  });
  expect(backfillPositions({ ...c, epoch: "" }, 1000)).toEqual({});
});
