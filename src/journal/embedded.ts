export * from "./embedded/mod.ts";
