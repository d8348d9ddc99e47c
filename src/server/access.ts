import type { Principal } from "../hub/session.ts";

/** A caller as the server sees it: who, and which feeds they may read and write. */
export interface Caller extends Principal {
  canPublish(feedId: string): boolean;
}

/**
 * The server's one question to the security layer. `open` (no auth configured) lets everyone do
 * everything — allowed only outside production, and reported by `/ready` as `auth: disabled`.
 */
export interface AccessControl {
  readonly mode: "disabled" | "jwt";
  /** Resolves the caller of a request (HTTP or WebSocket upgrade); throws TacError UNAUTHORIZED. */
  authenticate(req: Request): Promise<Caller>;
  /** Verifies a token sent later on a live socket (`refresh` op). */
  verify?(token: string): Promise<Caller>;
}

export const OPEN_ACCESS: AccessControl = {
  mode: "disabled",
  authenticate: async () => ({ sub: "anonymous", canSubscribe: () => true, canPublish: () => true }),
};
