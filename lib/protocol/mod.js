export * from "./checksum.js";
export * from "./errors.js";
export * from "./frame.js";
export * from "./json.js";
export * from "./message.js";
export * from "./uuid.js";
