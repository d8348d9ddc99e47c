import { afterAll } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { JetStreamJournal } from "../../../src/journal/jetstream/mod.ts";
import { type NatsCluster, type NatsServer, startNatsCluster, startNatsServer } from "../../helpers/nats.ts";
import { journalContract } from "../contract.ts";

// The shared journal contract, unchanged, with group commit on: R1 and R3, as jetstream.test.ts runs it
// without.
let single: Promise<NatsServer> | undefined;
let cluster: Promise<NatsCluster> | undefined;
let streams = 0;

afterAll(async () => {
  await (await single)?.stop();
  await (await cluster)?.stop();
});

function harness(servers: () => Promise<string[]>, replicas: number) {
  return async () => {
    const urls = await servers();
    const n = ++streams;
    const stream = `GROUPS${n}`;
    const opened: JetStreamJournal[] = [];
    const openOne = async () => {
      const journal = new JetStreamJournal({
        servers: urls,
        stream,
        subjectPrefix: `g${n}`,
        replicas,
        requestTimeoutMs: replicas > 1 ? 30_000 : 5_000,
        groupCommit: true,
      });
      opened.push(journal);
      await journal.open();
      return journal;
    };
    return {
      journal: await openOne(),
      reopen: openOne,
      cleanup: async () => {
        await Promise.all(opened.map((j) => j.close()));
        const nc = await connect({ servers: urls });
        try {
          await (await jetstreamManager(nc, { timeout: 20_000 })).streams.delete(stream);
        } catch {
          // left for afterAll's teardown
        } finally {
          await nc.close();
        }
      },
    };
  };
}

journalContract(
  "jetstream with group commit (one server, R1)",
  harness(async () => {
    single ??= startNatsServer();
    return [(await single).url];
  }, 1),
);

journalContract(
  "jetstream with group commit (3-server cluster, R3)",
  harness(async () => {
    cluster ??= startNatsCluster();
    return (await cluster).urls;
  }, 3),
);
