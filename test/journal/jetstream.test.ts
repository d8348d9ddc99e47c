import { afterAll } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { JetStreamJournal } from "../../src/journal/jetstream/mod.ts";
import { type NatsCluster, type NatsServer, startNatsCluster, startNatsServer } from "../helpers/nats.ts";
import { journalContract } from "./contract.ts";

/** Started on first use, shared by the file; every harness gets its own stream and subjects. */
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
    const stream = `CONTRACT${n}`;
    const opened: JetStreamJournal[] = [];
    const openOne = async () => {
      // open() reports after its first attempt; on a loaded 2-core CI machine a replicated stream's
      // first create (fsync on every server, a fresh leader election) can outlast the 5 s default.
      const requestTimeoutMs = replicas > 1 ? 30_000 : 5_000;
      const journal = new JetStreamJournal({
        servers: urls,
        stream,
        subjectPrefix: `c${n}`,
        replicas,
        requestTimeoutMs,
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
        // Tidying only (the servers go at the end of the file): a cluster busy electing a leader may
        // time the delete out under load, which says nothing about the contract being tested.
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
  "jetstream (one server, R1)",
  harness(async () => {
    single ??= startNatsServer();
    return [(await single).url];
  }, 1),
);

// Replicated streams ack after a quorum write and de-duplicate on the stream leader: same contract.
journalContract(
  "jetstream (3-server cluster, R3)",
  harness(async () => {
    cluster ??= startNatsCluster();
    return (await cluster).urls;
  }, 3),
);
