/**
 * The deploy files agree with the code and with each other: ports, health paths (asked of a real
 * server), the start command, the drain against each orchestrator's kill timeout, the production
 * dependencies the image installs, and a NATS config the real nats-server accepts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/config.ts";
import { NATS_SERVER_BIN, natsSupportsSyncAlways } from "../helpers/nats.ts";
import { type ServerProcess, startServer } from "../helpers/server.ts";
import { parseDockerfile } from "./dockerfile.ts";

const ROOT = join(import.meta.dir, "..", "..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
type Obj = Record<string, unknown>;
const obj = (x: unknown) => x as Obj;

const pkg = JSON.parse(read("package.json")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const defaults = loadConfig({});
const docker = parseDockerfile(read("Dockerfile"));
const fly = Bun.TOML.parse(read("fly.toml")) as Obj;
const flyNats = Bun.TOML.parse(read("deploy/nats/fly.toml")) as Obj;
const k8s = Bun.YAML.parse(read("deploy/k8s/tacstream.yaml")) as Obj[];
const kind = (k: string) => k8s.find((d) => d.kind === k)!;
const pod = obj(obj(obj(kind("Deployment").spec).template).spec);
const container = (pod.containers as Obj[])[0]!;
const k8sEnv = new Map((container.env as Obj[]).map((e) => [e.name as string, e]));
const seconds = (s: string) => Number(/^(\d+)s$/.exec(s)?.[1] ?? Number.NaN);

/** Every health path the deploy files probe, each asked of a real server below. */
const probes = {
  docker: /fetch\(`http:\/\/127\.0\.0\.1:\$\{process\.env\.PORT\}(\/[a-z]+)`\)/.exec(
    docker.final("HEALTHCHECK")[0] ?? "",
  )?.[1],
  fly: (obj(fly.http_service).checks as Obj[]).map((c) => c.path as string),
  k8s: [obj(obj(container.readinessProbe).httpGet).path, obj(obj(container.livenessProbe).httpGet).path],
};

describe("ports", () => {
  test("8080 everywhere, as the server's default", () => {
    expect(defaults.PORT).toBe(8080);
    expect(docker.final("EXPOSE")).toEqual(["8080"]);
    expect(docker.env().PORT).toBe("8080");
    expect(obj(fly.http_service).internal_port).toBe(8080);
    expect(obj(fly.env).PORT).toBe("8080");
    expect((container.ports as Obj[])[0]).toMatchObject({ name: "http", containerPort: 8080 });
    expect(obj(k8sEnv.get("PORT")).value).toBe("8080");
    expect((obj(kind("Service").spec).ports as Obj[])[0]).toMatchObject({ targetPort: "http" });
  });
});

describe("health paths", () => {
  let srv: ServerProcess;
  beforeAll(async () => {
    srv = await startServer();
  });
  afterAll(() => srv.stop());

  test("every probed path exists and answers 200 on a started server", async () => {
    const paths = new Set([probes.docker, ...probes.fly, ...probes.k8s]);
    expect([...paths].sort()).toEqual(["/health", "/ready"]);
    for (const p of paths) expect((await fetch(`${srv.url}${p}`)).status).toBe(200);
  });

  test("readiness is /ready (503 while starting or draining), liveness /health", () => {
    expect(obj(obj(container.readinessProbe).httpGet)).toMatchObject({ path: "/ready", port: "http" });
    expect(obj(obj(container.livenessProbe).httpGet)).toMatchObject({ path: "/health", port: "http" });
  });
});

describe("Dockerfile", () => {
  test("the image starts what `npm start` (the README's command) starts", () => {
    expect(read("README.md")).toContain("npm install && npm start");
    expect(pkg.scripts.start).toBe("bun src/runtime/bun.ts");
    expect(JSON.parse(docker.final("CMD")[0]!).join(" ")).toBe(pkg.scripts.start);
  });

  test("official Bun image at the project's Bun version, both stages", () => {
    expect(docker.args.BUN_VERSION).toBe(pkg.devDependencies.bun);
    // The image reference is written with the ARG, as Docker expands it.
    const image = `oven/bun:\${BUN_VERSION}-slim`;
    expect(docker.stages.map((s) => s.from)).toEqual([`${image} AS deps`, image]);
  });

  test("frozen production install from npm's lock; a non-root user; the drain fits `docker stop`", () => {
    const run = docker.stages[0]!.lines.filter((l) => l.op === "RUN").map((l) => l.arg);
    expect(run).toEqual(["bun install --frozen-lockfile --production --omit=peer --ignore-scripts"]);
    expect(docker.stages[0]!.lines).toContainEqual({ op: "COPY", arg: "package.json package-lock.json ./" });
    expect(docker.final("USER")).toEqual(["bun"]);
    expect(docker.final("STOPSIGNAL")).toEqual(["SIGTERM"]);
    // `docker stop` waits 10 s by default; the process exits by DRAIN_TIMEOUT_MS + 1 s.
    expect(Number(docker.env().DRAIN_TIMEOUT_MS) + 1000).toBeLessThan(10_000);
  });

  test(".dockerignore lets in exactly what the image copies", () => {
    const rules = read(".dockerignore")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"));
    expect(rules).toEqual(["*", "!package.json", "!package-lock.json", "!src/"]);
    const copied = docker.stages.flatMap((s) =>
      s.lines
        .filter((l) => l.op === "COPY" && !l.arg.startsWith("--from"))
        .flatMap((l) => l.arg.split(" ").slice(0, -1)),
    );
    expect(new Set(copied)).toEqual(new Set(["package.json", "package-lock.json", "src"]));
  });

  test("src imports only production dependencies (the image has no devDependencies)", () => {
    const bare = new Set<string>();
    const walk = (dir: string) => {
      for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const p = `${dir}/${e.name}`;
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts")) for (const name of bareImports(read(p))) bare.add(name);
      }
    };
    walk("src");
    const allowed = new Set(Object.keys(pkg.dependencies));
    const missing = [...bare].filter((n) => !n.startsWith("node:") && !allowed.has(packageOf(n)));
    expect(missing).toEqual([]);
    expect(bare.has("hono")).toBe(true);
  });
});

describe("fly.toml", () => {
  test("drain ends before Fly's kill; WebSocket-friendly proxy; NATS_URL is a secret", () => {
    expect(fly.kill_signal).toBe("SIGTERM");
    const drain = Number(obj(fly.env).DRAIN_TIMEOUT_MS);
    expect(drain + 1000).toBeLessThan(seconds(fly.kill_timeout as string) * 1000);
    const svc = obj(fly.http_service);
    expect(["off", "suspend"]).toContain(svc.auto_stop_machines as string);
    const c = obj(svc.concurrency);
    expect(c.type).toBe("connections");
    expect(c.soft_limit as number).toBeLessThan(c.hard_limit as number);
    expect(typeof fly.primary_region).toBe("string");
    expect(obj(fly.env).NATS_URL).toBeUndefined();
    expect(obj(fly.build).dockerfile).toBe("Dockerfile");
    expect(obj(fly.env).NATS_REPLICAS).toBe("3");
  });
});

describe("deploy/nats", () => {
  const conf = read("deploy/nats/nats.conf");

  test("fly.toml ships nats.conf where the image reads it; the volume holds the store; routes name the app", () => {
    const files = (flyNats.files as Obj[])[0]!;
    expect(files).toEqual({ guest_path: "/etc/nats/nats-server.conf", local_path: "nats.conf" });
    expect(existsSync(join(ROOT, "deploy/nats", files.local_path as string))).toBe(true);
    const store = /store_dir:\s*"([^"]+)"/.exec(conf)?.[1] ?? "";
    expect(store.startsWith(`${obj(flyNats.mounts).destination}/`)).toBe(true);
    expect(conf).toContain(`nats-route://${flyNats.app}.internal:6222`);
    expect(conf).toMatch(/^\s*sync_interval:\s*always\s*$/m);
    // Lame-duck grace + duration (at least 30 s) end before the machine is killed.
    const ldm = [...conf.matchAll(/lame_duck_(?:duration|grace_period):\s*"(\d+)s"/g)].map((m) =>
      Number(m[1]),
    );
    expect(ldm.reduce((a, b) => a + b, 0)).toBeLessThan(seconds(flyNats.kill_timeout as string));
  });

  test("the real nats-server accepts the config", () => {
    const dir = mkdtempSync(join(tmpdir(), "tacstream-natsconf-"));
    try {
      // Only what cannot exist here changes: Fly's 6PN host name, the volume path, and
      // sync_interval on a pre-2.10 server (docs/jetstream.md).
      let local = conf.replace('"fly-local-6pn"', '"127.0.0.1"').replace('"/data/jetstream"', `"${dir}/js"`);
      if (!natsSupportsSyncAlways()) local = local.replace(/^\s*sync_interval:.*$/m, "");
      const file = join(dir, "nats.conf");
      writeFileSync(file, local);
      const out = spawnSync(NATS_SERVER_BIN, ["-t", "-c", file], {
        encoding: "utf8",
        env: { ...process.env, FLY_MACHINE_ID: "m1" },
        timeout: 10_000,
      });
      expect(`${out.stdout}${out.stderr}`).toContain("is valid");
      expect(out.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("deploy/nats-edge (regions, docs/regions.md)", () => {
  const edge = read("deploy/nats-edge/edge.conf");
  const flyEdge = Bun.TOML.parse(read("deploy/nats-edge/fly.toml")) as Obj;

  test("edges are leaf nodes of the primary's leafnode port, in their region's domain; tacstream reads their mirror", () => {
    expect((flyEdge.files as Obj[])[0]).toEqual({
      guest_path: "/etc/nats/nats-server.conf",
      local_path: "edge.conf",
    });
    const port = /leafnodes\s*\{[^}]*port:\s*(\d+)/.exec(read("deploy/nats/nats.conf"))?.[1];
    expect(edge).toContain(`nats-leaf://${flyNats.app}.internal:${port}`);
    expect(edge).toMatch(/domain:\s*\$FLY_REGION/);
    expect(read("deploy/nats/nats.conf")).toMatch(/domain:\s*"iad"/);
    expect(obj(fly.env).NATS_PRIMARY_DOMAIN).toBe("iad");
    expect(typeof obj(fly.env).NATS_MIRROR).toBe("string");
  });

  test("the real nats-server accepts the edge config", () => {
    const dir = mkdtempSync(join(tmpdir(), "tacstream-edgeconf-"));
    try {
      let local = edge
        .replace('"/data/jetstream"', `"${dir}/js"`)
        .replace("tacstream-nats.internal", "127.0.0.1");
      if (!natsSupportsSyncAlways()) local = local.replace(/^\s*sync_interval:.*$/m, "");
      const file = join(dir, "edge.conf");
      writeFileSync(file, local);
      const out = spawnSync(NATS_SERVER_BIN, ["-t", "-c", file], {
        encoding: "utf8",
        env: { ...process.env, FLY_MACHINE_ID: "m1", FLY_REGION: "ams" },
        timeout: 10_000,
      });
      expect(`${out.stdout}${out.stderr}`).toContain("is valid");
      expect(out.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("deploy/k8s", () => {
  test("3 replicas, the seed's resources, NATS_URL from the Secret", () => {
    expect(obj(kind("Deployment").spec).replicas).toBe(3);
    expect(container.resources).toEqual({
      requests: { memory: "512Mi", cpu: "250m" },
      limits: { memory: "1Gi", cpu: "500m" },
    });
    const ref = obj(obj(obj(k8sEnv.get("NATS_URL")).valueFrom).secretKeyRef);
    const secret = Bun.YAML.parse(read("deploy/k8s/secret.example.yaml")) as Obj;
    expect(secret.kind).toBe("Secret");
    expect(ref.name).toBe(obj(secret.metadata).name as string);
    expect(Object.keys(obj(secret.stringData))).toContain(ref.key as string);
  });

  test("preStop + drain + exit guard fit the termination grace period", () => {
    const cmd = obj(obj(obj(container.lifecycle).preStop).exec).command as string[];
    const preStopMs = Number(/Bun\.sleep\((\d+)\)/.exec(cmd.join(" "))?.[1]);
    const drain = Number(obj(k8sEnv.get("DRAIN_TIMEOUT_MS")).value);
    expect(preStopMs + drain + 1000).toBeLessThan((pod.terminationGracePeriodSeconds as number) * 1000);
    expect(obj(pod.securityContext).runAsUser).toBe(1000);
  });

  test("the drain is the same everywhere", () => {
    const all = [
      docker.env().DRAIN_TIMEOUT_MS,
      obj(fly.env).DRAIN_TIMEOUT_MS,
      obj(k8sEnv.get("DRAIN_TIMEOUT_MS")).value,
    ];
    expect(new Set(all).size).toBe(1);
  });
});

/** Bare module names a source file loads at run time (type-only imports are erased). */
function bareImports(src: string): string[] {
  const names: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s)?[^;]*?\bfrom\s+"([^"]+)"/g)) {
    if (m[1] === undefined) names.push(m[2]!);
  }
  for (const m of src.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) names.push(m[1]!);
  return names.filter((n) => !n.startsWith(".") && !n.startsWith("/"));
}

function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}
