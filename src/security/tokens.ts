import {
  createLocalJWKSet,
  errors,
  importPKCS8,
  importSPKI,
  type JSONWebKeySet,
  type JWTVerifyOptions,
  jwtVerify,
  SignJWT,
} from "jose";
import * as v from "valibot";
import { TacError } from "../protocol/errors.ts";
import type { Now } from "../resilience/types.ts";
import { GrantSet } from "./grants.ts";
import { AuthError, type AuthFailureReason } from "./token-error.ts";

export type AsymmetricAlgorithm = "ES256" | "EdDSA" | "RS256";
export type TokenAlgorithm = "HS256" | AsymmetricAlgorithm;

/** Where verification keys come from: a shared secret, one PEM public key, or a JWKS (rotation by `kid`). */
export type TokenKeyConfig =
  | { secret: string | Uint8Array }
  | { publicKey: string; algorithm: AsymmetricAlgorithm }
  | { jwks: JSONWebKeySet; algorithms?: AsymmetricAlgorithm[] };

export interface TokenVerifierOptions {
  /** Required `iss`, when set. */
  issuer?: string;
  /** Required `aud`, when set. */
  audience?: string;
  /** Seconds of clock skew forgiven on `exp` and `nbf` (default 5). */
  clockToleranceSec?: number;
  /** Refuse tokens without `exp` (default false; recommended in production). */
  requireExp?: boolean;
  /** Longest accepted token in characters (default 8192): a bound on parse work. */
  maxTokenLength?: number;
  now?: Now;
}

export type TokenVerifierConfig = TokenKeyConfig & TokenVerifierOptions;

/**
 * Who is calling and what they may do. `canSubscribe`/`canPublish` make it fit the server's `Caller`
 * (src/server/access.ts) as it is.
 */
export interface Principal {
  sub: string;
  subscribe: GrantSet;
  publish: GrantSet;
  /** When the token expires, in epoch **milliseconds** (the JWT's `exp` × 1000), when it has one. */
  exp?: number;
  canSubscribe(feedId: string): boolean;
  canPublish(feedId: string): boolean;
}

export type TokenVerifier = (token: string | null | undefined) => Promise<Principal>;

/** HS256 keys shorter than the hash output are brute-forceable (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

const ClaimsSchema = v.object({
  sub: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  subscribe: v.optional(v.array(v.string()), []),
  publish: v.optional(v.array(v.string()), []),
  exp: v.optional(v.number()),
});

const encoder = new TextEncoder();

function secretBytes(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === "string" ? encoder.encode(secret) : secret;
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    throw TacError.validation(`token secret must be at least ${MIN_SECRET_BYTES} bytes`, "secret");
  }
  return bytes;
}

type Verify = (token: string, options: JWTVerifyOptions) => Promise<{ payload: unknown }>;

async function resolveKey(config: TokenKeyConfig): Promise<{ verify: Verify; algorithms: TokenAlgorithm[] }> {
  if ("secret" in config) {
    const secret = secretBytes(config.secret);
    return { verify: (token, o) => jwtVerify(token, secret, o), algorithms: ["HS256"] };
  }
  if ("publicKey" in config) {
    const key = await importSPKI(config.publicKey, config.algorithm).catch((cause: unknown) => {
      throw new TacError("VALIDATION", "token public key is not a valid SPKI PEM", {
        path: "publicKey",
        cause,
      });
    });
    return { verify: (token, o) => jwtVerify(token, key, o), algorithms: [config.algorithm] };
  }
  let jwks: ReturnType<typeof createLocalJWKSet>;
  try {
    jwks = createLocalJWKSet(config.jwks);
  } catch (cause) {
    throw new TacError("VALIDATION", "token JWKS is not a valid JSON Web Key Set", { path: "jwks", cause });
  }
  return {
    verify: (token, o) => jwtVerify(token, jwks, o),
    algorithms: config.algorithms ?? ["ES256", "EdDSA", "RS256"],
  };
}

function reasonOf(error: unknown): AuthFailureReason {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) return error.claim === "nbf" ? "nbf" : "claims";
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return "alg";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad_signature";
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return "unknown_key";
  }
  return "malformed";
}

const MESSAGES: Record<AuthFailureReason, string> = {
  missing: "token required",
  malformed: "token malformed",
  alg: "token algorithm not accepted",
  bad_signature: "token signature invalid",
  unknown_key: "token signed by an unknown key",
  expired: "token expired",
  nbf: "token not yet valid",
  claims: "token claims invalid",
  replay: "token replayed",
};

/**
 * Builds the verifier used on every authenticated request and WebSocket upgrade. Only the configured
 * algorithms are accepted — never `none`, and never HS256 against a public key (algorithm confusion).
 * Keys are imported once, here.
 * @returns a function that resolves to the caller's {@link Principal} or rejects with an
 *   {@link AuthError} (TacError UNAUTHORIZED) whose `reason` is a metric label.
 * @throws TacError VALIDATION at build time for a short secret or an unreadable public key.
 */
export async function createTokenVerifier(config: TokenVerifierConfig): Promise<TokenVerifier> {
  const { verify, algorithms } = await resolveKey(config);
  const maxLength = config.maxTokenLength ?? 8192;
  const now = config.now ?? Date.now;
  const options = (): JWTVerifyOptions => {
    const o: JWTVerifyOptions = {
      algorithms,
      clockTolerance: config.clockToleranceSec ?? 5,
      currentDate: new Date(now()),
    };
    if (config.issuer !== undefined) o.issuer = config.issuer;
    if (config.audience !== undefined) o.audience = config.audience;
    if (config.requireExp) o.requiredClaims = ["exp"];
    return o;
  };

  return async (token) => {
    if (token === null || token === undefined || token === "")
      throw new AuthError("missing", MESSAGES.missing);
    if (token.length > maxLength) throw new AuthError("malformed", MESSAGES.malformed);
    let payload: unknown;
    try {
      ({ payload } = await verify(token, options()));
    } catch (error) {
      const reason = reasonOf(error);
      throw new AuthError(reason, MESSAGES[reason], error);
    }
    const claims = v.safeParse(ClaimsSchema, payload);
    if (!claims.success) throw new AuthError("claims", MESSAGES.claims);
    let subscribe: GrantSet;
    let publish: GrantSet;
    try {
      subscribe = GrantSet.compile(claims.output.subscribe);
      publish = GrantSet.compile(claims.output.publish);
    } catch (error) {
      throw new AuthError("claims", MESSAGES.claims, error);
    }
    const principal: Principal = {
      sub: claims.output.sub,
      subscribe,
      publish,
      canSubscribe: (feedId) => subscribe.allows(feedId),
      canPublish: (feedId) => publish.allows(feedId),
    };
    if (claims.output.exp !== undefined) principal.exp = claims.output.exp * 1000;
    return principal;
  };
}

/** What {@link signToken} puts in a token. */
export interface TokenClaims {
  sub: string;
  subscribe?: string[];
  publish?: string[];
  /** Lifetime in seconds (default 3600); null for a token that never expires. */
  expiresInSec?: number | null;
  /** Not valid before this many seconds from now (default: valid at once). */
  notBeforeSec?: number;
  issuer?: string;
  audience?: string;
}

export type SigningKey =
  | { secret: string | Uint8Array }
  | { privateKey: string; algorithm: AsymmetricAlgorithm };

/**
 * Signs a token (tests, the token CLI, operators). Grants are checked first, so a token that the
 * verifier would refuse for its grants cannot be minted.
 * @param key - the HS256 secret, or a PKCS#8 PEM private key with its algorithm.
 */
export async function signToken(
  claims: TokenClaims,
  key: SigningKey,
  options: { now?: Now; kid?: string } = {},
): Promise<string> {
  GrantSet.compile(claims.subscribe ?? []);
  GrantSet.compile(claims.publish ?? []);
  const nowSec = Math.floor((options.now ?? Date.now)() / 1000);
  const alg: TokenAlgorithm = "secret" in key ? "HS256" : key.algorithm;
  const signingKey =
    "secret" in key ? secretBytes(key.secret) : await importPKCS8(key.privateKey, key.algorithm);
  const jwt = new SignJWT({ subscribe: claims.subscribe ?? [], publish: claims.publish ?? [] })
    .setProtectedHeader(options.kid === undefined ? { alg } : { alg, kid: options.kid })
    .setSubject(claims.sub)
    .setIssuedAt(nowSec);
  const ttl = claims.expiresInSec === undefined ? 3600 : claims.expiresInSec;
  if (ttl !== null) jwt.setExpirationTime(nowSec + ttl);
  if (claims.notBeforeSec !== undefined) jwt.setNotBefore(nowSec + claims.notBeforeSec);
  if (claims.issuer !== undefined) jwt.setIssuer(claims.issuer);
  if (claims.audience !== undefined) jwt.setAudience(claims.audience);
  return jwt.sign(signingKey);
}
