import { spawnSync } from "bun";
import { type Link, startLink } from "./link.ts";
import { freePort, freePorts, type NatsServer, startNatsServer } from "./nats.ts";
import { type ServerProcess, startServer } from "./server.ts";

/**
 * A simulated three-region world on one machine: per region a nats-server and a tacstream node, and
 * every TCP connection between regions through a link emulator with the regions' one-way delays.
 * Clients talk to their own region's node directly (the last mile is not simulated).
 *
 * Two topologies (docs/regions.md):
 * - `stretched`: one JetStream cluster, a server per region, an R3 stream — what deploy/nats shipped
 *   first. Routes run only through links; each server advertises a dead route address so gossip makes
 *   no direct route around them.
 * - `mirrors`: the stream lives in the primary region's JetStream domain; the other regions' servers
 *   are leaf nodes of it (through links) with their own domain and a local mirror that tacstream reads
 *   (`NATS_MIRROR`, `NATS_PRIMARY_DOMAIN`). The hub advertises no leaf URLs, for the same reason.
 */
export type Topology = "stretched" | "mirrors";

export interface RegionSpec {
  name: string;
}

/** Real one-way delays (ms) between Fly regions, roughly; tests scale them down to stay quick. */
export const FLY_DELAYS: Record<string, number> = { "iad-ams": 40, "iad-sin": 115, "ams-sin": 80 };

export interface WorldOptions {
  topology: Topology;
  /** Multiplies FLY_DELAYS (tests: 0.25). Default 1. */
  scale?: number;
  /** Jitter as a share of each delay. Default 0.05. */
  jitter?: number;
  /** Extra env for every tacstream node. */
  env?: Record<string, string>;
}

export interface Region {
  name: string;
  nats: NatsServer;
  node: ServerProcess;
  /** The env its node was started with (to start it again after a kill). */
  env: Record<string, string>;
  dataDir: string;
}

export interface World {
  topology: Topology;
  regions: Region[];
  region(name: string): Region;
  /** Links that carry traffic of region `name` to or from any other region. */
  linksOf(name: string): Link[];
  /** One-way delay between two regions as simulated, ms. */
  delay(a: string, b: string): number;
  /** Cuts every link of a region (it is partitioned from the others); `heal` undoes it. */
  isolate(name: string, mode?: "blackhole" | "reset"): void;
  heal(name: string): void;
  /** Starts a region's tacstream node again (after a kill), with its data dir. */
  restartNode(name: string): Promise<ServerProcess>;
  /** TCP connections between two regions' real ports that bypass the emulator (must be none). */
  bypasses(): string[];
  stop(): Promise<void>;
}

export const PRIMARY = "iad";
export const REGIONS = ["iad", "ams", "sin"] as const;
const STREAM = "TACSTREAM";
const MIRROR = "TACSTREAM_LOCAL";

const pairKey = (a: string, b: string) => (FLY_DELAYS[`${a}-${b}`] !== undefined ? `${a}-${b}` : `${b}-${a}`);

export async function startWorld(o: WorldOptions): Promise<World> {
  // The stretched cluster of nats-server 2.9.10 sometimes elects no meta leader over the slow links
  // (about one start in three here at ÷ 4 delays, every start at ×0.5 and ×1): a fresh start, twice more.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWorldOnce(o);
    } catch (err) {
      // And any world whose fixed ports (routes, leaf) another process took before a server bound them.
      const retry =
        /address already in use/.test(String(err)) ||
        (o.topology === "stretched" && /metadata leader/.test(String(err)));
      if (attempt === 3 || !retry) throw err;
    }
  }
}

async function startWorldOnce(o: WorldOptions): Promise<World> {
  const scale = o.scale ?? 1;
  const jitterShare = o.jitter ?? 0.05;
  const delay = (a: string, b: string) => (FLY_DELAYS[pairKey(a, b)] ?? 0) * scale;
  const links = new Map<string, Link[]>();
  const allLinks: Link[] = [];
  const addLink = (l: Link, a: string, b: string) => {
    allLinks.push(l);
    for (const r of [a, b]) links.set(r, [...(links.get(r) ?? []), l]);
  };
  const link = async (a: string, b: string, port: number) => {
    const d = delay(a, b);
    const l = await startLink({ target: { host: "127.0.0.1", port }, delayMs: d, jitterMs: d * jitterShare });
    addLink(l, a, b);
    return l;
  };
  const nats = new Map<string, NatsServer>();
  /** Ports other regions must reach only through links. */
  const inner = new Map<number, string>();
  const stopped: Array<() => Promise<void>> = [];
  try {
    if (o.topology === "stretched") {
      const routePorts = new Map<string, number>();
      const picked = await freePorts(REGIONS.length);
      for (const [i, r] of REGIONS.entries()) routePorts.set(r, picked[i]!);
      for (const [r, p] of routePorts) inner.set(p, r);
      // Every server dials every other through links (JetStream wants configured routes on each). A
      // dead `advertise` keeps gossip from adding direct routes around the links (bypasses() checks);
      // a ring of single dials formed no meta leader here, and without the dead advertise a direct
      // route appeared at full delays.
      const routesOf = new Map<string, string[]>(REGIONS.map((r) => [r, []]));
      for (const a of REGIONS)
        for (const b of REGIONS) {
          if (a === b) continue;
          const l = await link(a, b, routePorts.get(b)!);
          routesOf.get(a)!.push(`"nats-route://${l.address}"`);
        }
      const started = await Promise.all(
        REGIONS.map((r) =>
          startNatsServer({
            name: r,
            readyTimeoutMs: 20_000,
            extraConfig: `cluster { name: "world", listen: "127.0.0.1:${routePorts.get(r)}", advertise: "127.0.0.1:1", no_advertise: true, routes: [${routesOf.get(r)!.join(", ")}] }`,
          }),
        ),
      );
      for (const [i, s] of started.entries()) {
        nats.set(REGIONS[i]!, s);
        stopped.push(() => s.stop());
      }
      await Promise.all(started.map((s) => waitLog(s, /metadata leader/, 20_000)));
    } else {
      const leafPort = await freePort();
      inner.set(leafPort, PRIMARY);
      const hub = await startNatsServer({
        name: PRIMARY,
        domain: PRIMARY,
        extraConfig: `leafnodes { listen: "127.0.0.1:${leafPort}", no_advertise: true }`,
      });
      nats.set(PRIMARY, hub);
      stopped.push(() => hub.stop());
      for (const r of REGIONS.filter((x) => x !== PRIMARY)) {
        const l = await link(r, PRIMARY, leafPort);
        const s = await startNatsServer({
          name: r,
          domain: r,
          extraConfig: `leafnodes { remotes: [ { url: "nats-leaf://${l.address}" } ], reconnect: 1 }`,
        });
        nats.set(r, s);
        stopped.push(() => s.stop());
        await waitLog(s, /Leafnode connection created/, 15_000);
      }
    }

    const regions: Region[] = [];
    // The primary's node first: it creates the stream the others mirror.
    for (const name of REGIONS) {
      const env: Record<string, string> = {
        NATS_URL: nats.get(name)!.url,
        NATS_STREAM: STREAM,
        ...(o.topology === "stretched" ? { NATS_REPLICAS: "3" } : {}),
        ...(o.topology === "mirrors" && name !== PRIMARY
          ? { NATS_MIRROR: MIRROR, NATS_PRIMARY_DOMAIN: PRIMARY }
          : {}),
        ...o.env,
      };
      const node = await startServer(env, { timeoutMs: 30_000 });
      stopped.push(() => node.stop());
      regions.push({ name, nats: nats.get(name)!, node, env, dataDir: node.dataDir });
    }

    const world: World = {
      topology: o.topology,
      regions,
      region(name) {
        const r = regions.find((x) => x.name === name);
        if (r === undefined) throw new Error(`no region ${name}`);
        return r;
      },
      linksOf: (name) => links.get(name) ?? [],
      delay,
      isolate(name, mode = "blackhole") {
        for (const l of links.get(name) ?? []) l.partition(mode);
      },
      heal(name) {
        for (const l of links.get(name) ?? []) l.heal();
      },
      async restartNode(name) {
        const r = world.region(name);
        r.node = await startServer(r.env, { timeoutMs: 30_000, dataDir: r.dataDir });
        stopped.push(() => r.node.stop());
        return r.node;
      },
      bypasses() {
        // Every connection to an inner port must come from this process: the links live here.
        const out = spawnSync(["ss", "-tnpH", "state", "established"]).stdout.toString();
        const found: string[] = [];
        let seen = 0;
        for (const line of out.split("\n")) {
          const cols = line.trim().split(/\s+/);
          const peer = cols[3];
          const users = cols.slice(4).join(" ");
          const port = Number(peer?.split(":").at(-1));
          if (!inner.has(port)) continue;
          seen++;
          if (!users.includes(`pid=${process.pid},`)) found.push(line.trim());
        }
        // None at all means the check itself is blind (ss changed its output), not that all is well.
        if (seen === 0) throw new Error(`bypass check: no connection to any inner port in\n${out}`);
        return found;
      },
      async stop() {
        for (const s of stopped.reverse()) await s().catch(() => {});
        await Promise.all(allLinks.map((l) => l.close()));
      },
    };
    return world;
  } catch (err) {
    for (const s of stopped.reverse()) await s().catch(() => {});
    await Promise.all(allLinks.map((l) => l.close()));
    throw err;
  }
}

/** Waits for a line in a nats-server's log (the helper keeps it per process). */
function waitLog(s: NatsServer, re: RegExp, timeoutMs: number): Promise<void> {
  return (s as unknown as { waitForLog(re: RegExp, t: number): Promise<void> }).waitForLog(re, timeoutMs);
}
