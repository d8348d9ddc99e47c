/**
 * Run by node.test.ts under Node 20 after `Bun.build` (Node cannot run .ts): subscribes with the SDK
 * over the `ws` package and prints one JSON line per event, so the test reads what Node saw.
 * argv: <url>[,<url>…] <feedId> <format> <count> — several URLs are passed as the failover list.
 */
import WebSocket from "ws";
import { connect } from "../../src/client/mod.ts";

const [url, feedId, format, count] = process.argv.slice(2);
const urls = url!.split(",");
const client = connect({
  url: urls.length === 1 ? urls[0]! : urls,
  format: format === "binary" ? "binary" : "json",
  WebSocket,
  backoff: { minMs: 20, maxMs: 200 },
});
let n = 0;
client.on("subscribed", (e) =>
  console.log(JSON.stringify({ event: "subscribed", feedId: e.feedId, urlIndex: client.state.urlIndex })),
);
client.on("error", (e) => console.log(JSON.stringify({ event: "error", code: e.code, message: e.message })));
client.subscribe(feedId!, (m) => {
  console.log(JSON.stringify({ event: "message", seq: m.seq, title: m.payload.title }));
  if (++n === Number(count)) {
    client.close();
    process.exit(0);
  }
});
