export { JetStreamJournal } from "./journal.ts";
export { ExpiresHeader, PriorityHeader } from "./message.ts";
export type { JetStreamJournalOptions, JournalLogger } from "./options.ts";
export { epochOf } from "./stream.ts";
