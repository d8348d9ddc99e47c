import { expect, test } from "bun:test";
import { startWorld } from "../helpers/regions.ts";
import { type Figures, figuresTable, measure } from "../helpers/regions-measure.ts";

// Issue 17: the topology is chosen by measurement. Both run on the same simulated world (delays ÷ 4 to
// keep the suite quick; `npm run bench -- --only=regions` runs the real ones) and the winner must win
// where it claims to: a local 202 in the primary region and local replays everywhere.

test("stretched cluster vs primary + mirrors: 202, delivery and replay per region", async () => {
  const all: Figures[] = [];
  for (const topology of ["stretched", "mirrors"] as const) {
    const world = await startWorld({ topology, scale: 0.25 });
    try {
      expect(world.bypasses()).toEqual([]);
      all.push(await measure(world, { n: 20 }));
    } finally {
      await world.stop();
    }
  }
  console.log(
    `\n${figuresTable(all)}\n(ms; one-way delays iad–ams 10, iad–sin 29, ams–sin 20; publisher in ams)`,
  );
  const [stretched, mirrors] = all as [Figures, Figures];
  // Mirrors: the primary's 202 is local; a stretched R3 waits for a quorum across regions.
  expect(mirrors.ack.iad!.p50).toBeLessThan(stretched.ack.iad!.p50 / 2);
  // Replay in the farthest region reads its own mirror, not a leader an ocean away.
  expect(mirrors.replay.sin!).toBeLessThan(stretched.replay.sin!);
  // No topology beats the speed of light: a 202 from ams waits at least a round trip to iad.
  expect(mirrors.ack.ams!.p50).toBeGreaterThanOrEqual(2 * 10);
  expect(mirrors.delivery.to.sin!.p50).toBeGreaterThanOrEqual(10 + 29);
}, 120_000);
