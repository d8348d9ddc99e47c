import type { Principal } from "../hub/session.ts";

/** A caller as the server sees it: who, and which feeds they may read and write. */
export interface Caller extends Principal {
  canPublish(feedId: string): boolean;
}

/**
 * The server's questions to the security layer (src/security/access-control.ts answers them). With no
 * auth configured — allowed only outside production, reported by `/ready` as `auth: disabled` — the
 * open policy lets everyone do everything.
 */
export interface AccessControl {
  readonly mode: "disabled" | "jwt";
  /** Resolves the caller of a request (HTTP or WebSocket upgrade); throws TacError UNAUTHORIZED. */
  authenticate(req: Request, ip: string): Promise<Caller>;
  /**
   * May this request publish to `feedId`? A feed with webhook secrets takes a valid signature over the
   * raw body instead of a token. Throws UNAUTHORIZED / FORBIDDEN; returns the grant used (for audit).
   * `ip` is asked for only when a refusal is logged: looking the address up has a cost on every request.
   * `body` (raw bytes: the signature covers them, not a decoded text) is read only for a webhook feed: a token is checked before any
   * byte of an unauthenticated body is read.
   */
  authorizePublish(
    req: Request,
    feedId: string,
    body: () => Promise<Uint8Array>,
    ip: () => string,
  ): Promise<{ caller: Caller; grant: string }>;
  /**
   * Origin and connection-rate checks before a WebSocket upgrade; throws FORBIDDEN / RATE_LIMITED.
   * Returns the release of the slot taken (idempotent): whoever ends the attempt, by any path, calls it.
   */
  admitUpgrade(req: Request, caller: Caller, ip: string): () => void;
  /** Verifies a token sent later on a live socket (`refresh` op). */
  verify?(token: string): Promise<Caller>;
}

const ANYONE: Caller = { sub: "anonymous", canSubscribe: () => true, canPublish: () => true };

export const OPEN_ACCESS: AccessControl = {
  mode: "disabled",
  authenticate: async () => ANYONE,
  authorizePublish: async () => ({ caller: ANYONE, grant: "*" }),
  admitUpgrade: () => () => {},
};
