import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { feedsPlugin, parseFeedsConfig } from "../../../src/ingest/feeds/mod.ts";
import { signToken } from "../../../src/security/tokens.ts";
import { signGithubWebhook } from "../../../src/security/webhook-signature.ts";
import { SECRET } from "../../security/keys.ts";
import { startNode, type TestNode } from "./node.ts";

const scannerMapping = {
  items: "findings",
  key: "finding_id",
  title: "title",
  description: "details",
  indicators: ["host", "cve"],
  level: { path: "severity", map: { "9": "critical" } },
};

const FEEDS = parseFeedsConfig({
  feeds: [
    {
      id: "hooks.scanner",
      kind: "webhook",
      name: "Scanner",
      mapping: scannerMapping,
      priority: { rules: [{ when: { hasIndicator: "cve" }, priority: "high" }], default: "low" },
    },
    {
      id: "hooks.github",
      kind: "webhook",
      mapping: { key: "alert.number", title: "alert.rule.description", indicators: [] },
    },
    { id: "hooks.slow", kind: "webhook", mapping: { title: "t" }, rateLimit: { rate: 0.01, burst: 2 } },
    { id: "news.rss", kind: "rss", url: "http://127.0.0.1:1/feed" },
  ],
});

let node: TestNode;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  node = await startNode(
    feedsPlugin({ feeds: FEEDS, schedule: false, webhookIpRate: { rate: 1000, burst: 1000 } }),
    {
      env: { TOKEN_SECRET: SECRET, WEBHOOK_SECRETS: "hooks.github:gh-secret", MAX_PAYLOAD: "2048" },
    },
  );
  const key = { secret: SECRET };
  tokens.publisher = await signToken({ sub: "scanner", publish: ["hooks.*"], subscribe: ["hooks.*"] }, key);
  tokens.reader = await signToken({ sub: "reader", subscribe: ["hooks.scanner"] }, key);
});
afterAll(() => node.stop(true));

function post(feedId: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${node.url}/v1/webhooks/${feedId}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
const bearer = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });

const delivery = {
  scan: "nightly",
  findings: [
    {
      finding_id: "F-1",
      title: "Exposed admin panel",
      details: "<b>admin</b> reachable",
      host: "203.0.113.7",
      severity: "high",
    },
    {
      finding_id: "F-2",
      title: "Unpatched VPN",
      details: "CVE-2024-3400 exploitable",
      host: "vpn.example.com",
      cve: "CVE-2024-3400",
      severity: "9",
    },
  ],
};

describe("POST /v1/webhooks/:feedId", () => {
  test("maps the source's JSON into threat messages and answers like the native route", async () => {
    const res = await post("hooks.scanner", delivery, bearer("publisher"));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; ids: string[]; seqs: number[] };
    expect(body.accepted).toBe(2);
    expect(body.ids.length).toBe(2);
    expect(body.seqs.length).toBe(2);
    const msgs = await node.messages("hooks.scanner");
    const [panel, vpn] = msgs;
    expect(panel!.payload).toMatchObject({
      threatLevel: "high",
      source: "Scanner",
      title: "Exposed admin panel",
      description: "admin reachable",
      indicators: ["ipv4:203.0.113.7"],
    });
    expect(panel!.priority).toBe("low"); // no rule matched: the feed's default
    expect(vpn!.payload.threatLevel).toBe("critical");
    expect(vpn!.payload.indicators).toEqual(["domain:vpn.example.com", "cve:CVE-2024-3400"]);
    expect(vpn!.priority).toBe("high");
    // A source that delivers twice gets the same ids and seqs back: stored once.
    const again = (await (await post("hooks.scanner", delivery, bearer("publisher"))).json()) as typeof body;
    expect(again.ids).toEqual(body.ids);
    expect(again.seqs).toEqual(body.seqs);
    expect((await node.messages("hooks.scanner")).length).toBe(2);
  });

  test("same authorization as publishing: token grants, or the feed's webhook signature", async () => {
    expect((await post("hooks.scanner", delivery)).status).toBe(401);
    expect((await post("hooks.scanner", delivery, bearer("reader"))).status).toBe(403);
    const gh = JSON.stringify({
      action: "created",
      alert: { number: 42, rule: { description: "Leaked AWS key" } },
    });
    const signed = await post("hooks.github", gh, {
      "x-hub-signature-256": await signGithubWebhook("gh-secret", gh),
    });
    expect(signed.status).toBe(202);
    const forged = await post("hooks.github", gh, {
      "x-hub-signature-256": await signGithubWebhook("wrong", gh),
    });
    expect(forged.status).toBe(401);
    const [msg] = await node.messages("hooks.github");
    expect(msg!.payload.title).toBe("Leaked AWS key");
  });

  test("refusals: unknown or polled feed 404, wrong type 415, too large 413, bad JSON 400", async () => {
    expect((await post("hooks.nope", delivery, bearer("publisher"))).status).toBe(404);
    expect((await post("news.rss", delivery, bearer("publisher"))).status).toBe(404);
    expect((await post("Bad..Id", delivery, bearer("publisher"))).status).toBe(422);
    const text = await post("hooks.scanner", delivery, {
      ...bearer("publisher"),
      "content-type": "text/plain",
    });
    expect(text.status).toBe(415);
    const big = await post("hooks.scanner", { pad: "x".repeat(4096) }, bearer("publisher"));
    expect(big.status).toBe(413);
    const bad = await post("hooks.scanner", "{nope", bearer("publisher"));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("BAD_JSON");
  });

  test("a body the mapping cannot take is refused whole (422) and dead-lettered, like bad JSON was", async () => {
    const res = await post("hooks.scanner", { findings: "not a list" }, bearer("publisher"));
    expect(res.status).toBe(422);
    const dlq = node.plugin.dlq!.list({ limit: 50, visible: (e) => e.feedId === "hooks.scanner" }).entries;
    expect(dlq.map((e) => [e.format, e.code])).toEqual([
      ["webhook", "BAD_JSON"],
      ["webhook", "VALIDATION"],
    ]);
    expect(dlq[1]!.reason).toContain('items path "findings" does not lead to an array or an object');
  });

  test("per-source rate limit answers 429 with Retry-After", async () => {
    const first = await post("hooks.slow", { t: "a" }, bearer("publisher"));
    const second = await post("hooks.slow", { t: "b" }, bearer("publisher"));
    const third = await post("hooks.slow", { t: "c" }, bearer("publisher"));
    expect([first.status, second.status, third.status]).toEqual([202, 202, 429]);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
  });
});

describe("per-address rate limit", () => {
  test("counts every delivery from one address, before authentication", async () => {
    const small = await startNode(
      feedsPlugin({ feeds: FEEDS, schedule: false, webhookIpRate: { rate: 0.01, burst: 3 } }),
    );
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${small.url}/v1/webhooks/hooks.scanner`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(delivery),
        });
        statuses.push(res.status);
        if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(1);
      }
      expect(statuses).toEqual([202, 202, 202, 429]);
    } finally {
      await small.stop(true);
    }
  });
});
