/**
 * Security building blocks: token verification and grants, webhook signatures, origin policy, payload
 * encryption, the audit log, connection admission, and safe JSON parsing. The model is docs/security.md.
 */
export {
  type AuditEvent,
  AuditLog,
  type AuditLogOptions,
  type AuditSink,
  fileAuditSink,
  sanitizeAuditFields,
} from "./audit.ts";
export { timingSafeEqual } from "./bytes.ts";
export { type Admission, ConnectionLimits, type ConnectionLimitsOptions } from "./connection-limits.ts";
export {
  createPayloadCipher,
  EncryptionError,
  type EncryptionFailure,
  type EncryptionKey,
  IV_BYTES,
  type PayloadCipher,
  type PayloadCipherOptions,
  parseEncryptionKeys,
  TAG_BYTES,
} from "./encryption.ts";
export { GrantSet, MAX_GRANT_PATTERNS } from "./grants.ts";
export { createOriginPolicy, type OriginPolicy } from "./origin.ts";
export { productionProblems, type SecuritySettings } from "./production.ts";
export { FORBIDDEN_KEYS, findExcessDepth, parseJsonSafe, type SafeJsonOptions } from "./safe-json.ts";
export { AuthError, type AuthFailureReason } from "./token-error.ts";
export {
  type ExtractTokenOptions,
  extractToken,
  type FoundToken,
  offeredProtocols,
  TOKEN_PROTOCOL_PREFIX,
  type TokenCarrier,
  type TokenSource,
} from "./token-source.ts";
export {
  type AsymmetricAlgorithm,
  createTokenVerifier,
  MIN_SECRET_BYTES,
  type Principal,
  type SigningKey,
  signToken,
  type TokenAlgorithm,
  type TokenClaims,
  type TokenKeyConfig,
  type TokenVerifier,
  type TokenVerifierConfig,
  type TokenVerifierOptions,
} from "./tokens.ts";
export {
  createWebhookVerifier,
  GITHUB_SIGNATURE_HEADER,
  SIGNATURE_HEADER,
  signGithubWebhook,
  signWebhook,
  type VerifiedWebhook,
  type WebhookScheme,
  type WebhookVerifier,
  type WebhookVerifierOptions,
} from "./webhook-signature.ts";
