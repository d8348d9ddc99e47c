export { EmbeddedJournal, type EmbeddedJournalStats } from "./embedded-journal.ts";
export type { EmbeddedJournalOptions, FsyncMode } from "./options.ts";
