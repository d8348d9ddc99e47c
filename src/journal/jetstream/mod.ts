export { JetStreamJournal } from "./journal.ts";
export { ExpiresHeader } from "./message.ts";
export type { JetStreamJournalOptions, JournalLogger } from "./options.ts";
export { epochOf } from "./stream.ts";
