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

function harness(servers: () => Promise<string[]>, replicas: number, groupCommit = false) {
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
        groupCommit,
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

const oneServer = async () => {
  single ??= startNatsServer();
  return [(await single).url];
};
const threeServers = async () => {
  cluster ??= startNatsCluster();
  return (await cluster).urls;
};

// Replicated streams ack after a quorum write and de-duplicate on the stream leader: same contract.
// And the same again with group commit (NATS_GROUP_COMMIT): the contract does not change.
for (const groupCommit of [false, true]) {
  const mode = groupCommit ? " with group commit" : "";
  journalContract(`jetstream${mode} (one server, R1)`, harness(oneServer, 1, groupCommit));
  journalContract(`jetstream${mode} (3-server cluster, R3)`, harness(threeServers, 3, groupCommit));
}
