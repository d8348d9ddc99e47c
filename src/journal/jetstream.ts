export * from "./jetstream/mod.ts";
