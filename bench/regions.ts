/**
 * Regions: the simulated three-region world of the test suite (test/helpers/regions.ts), both
 * topologies back to back: 202 per region, live delivery from a publisher in ams to every region,
 * replay per region. `npm run bench -- --only=regions` (`--quick`: fewer messages). Delays are Fly's
 * (iad–ams 40 ms, iad–sin 115, ams–sin 80; 5 % jitter) ÷ 4: at ×0.5 and ×1 the stretched cluster of
 * nats-server 2.9.10 elected no meta leader within 30 s here, so it could not be measured at all
 * (docs/regions.md). `--scale=1` is not offered for that reason; `mirrors` alone runs at ×1 in the doc.
 */

import { startWorld } from "../test/helpers/regions.ts";
import { type Figures, measure } from "../test/helpers/regions-measure.ts";
import type { BenchContext } from "./lib/context.ts";
import type { SuiteResult, Table } from "./lib/results.ts";

export async function run(ctx: BenchContext): Promise<SuiteResult> {
  const scale = 0.25;
  const n = ctx.quick ? 15 : 50;
  const all: Figures[] = [];
  for (const topology of ["stretched", "mirrors"] as const) {
    const world = await startWorld({ topology, scale });
    try {
      const bypass = world.bypasses();
      if (bypass.length > 0) throw new Error(`connections around the link emulator: ${bypass.join("; ")}`);
      all.push(await measure(world, { n }));
    } finally {
      await world.stop();
    }
  }
  const f1 = (x: number) => x.toFixed(1);
  const regions = Object.keys(all[0]!.ack);
  const table: Table = {
    title: `Regions (one-way delays ×${scale} of iad–ams 40, iad–sin 115, ams–sin 80 ms), ms; publisher in ams`,
    columns: [
      "topology",
      ...regions.map((r) => `202 ${r} p50`),
      ...regions.map((r) => `ams→${r} p50`),
      ...regions.map((r) => `replay ${r}`),
    ],
    rows: all.map((f) => [
      f.topology,
      ...regions.map((r) => f1(f.ack[r]!.p50)),
      ...regions.map((r) => f1(f.delivery.to[r]!.p50)),
      ...regions.map((r) => f1(f.replay[r]!)),
    ]),
  };
  return {
    suite: "regions",
    quick: ctx.quick,
    data: { scale, figures: all },
    tables: [table],
    failures: [],
    notes: [],
  };
}
