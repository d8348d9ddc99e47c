export * from "./checksum.ts";
export * from "./errors.ts";
export * from "./frame.ts";
export * from "./json.ts";
export * from "./message.ts";
export * from "./uuid.ts";
