/** The security-relevant settings, as the server's configuration resolves them. */
export interface SecuritySettings {
  /** A token verifier is configured (secret, public key or JWKS). */
  auth: boolean;
  /** Tokens without `exp` are refused. */
  requireExp: boolean;
  /** `?token=` is accepted. */
  allowQueryToken: boolean;
  allowedOrigins: readonly string[];
  /** `ENCRYPTION_KEYS` is set (its content is checked by `parseEncryptionKeys`). */
  encryption: boolean;
  /** An audit sink is configured (file path or cluster stream). */
  audit: boolean;
  /** HS256 secret length in bytes, when HS256 is used. */
  tokenSecretBytes?: number;
}

/**
 * What production mode (`NODE_ENV=production`) refuses to start without — one line per problem, empty
 * when the settings are fit for production. docs/security.md explains each rule.
 */
export function productionProblems(s: SecuritySettings): string[] {
  const problems: string[] = [];
  if (!s.auth)
    problems.push("authentication is off: set TOKEN_SECRET, TOKEN_PUBLIC_KEY_FILE or TOKEN_JWKS_FILE");
  if (s.auth && !s.requireExp) problems.push("tokens without exp are accepted: set TOKEN_REQUIRE_EXP=true");
  if (s.tokenSecretBytes !== undefined && s.tokenSecretBytes < 32) {
    problems.push("TOKEN_SECRET is shorter than 32 bytes");
  }
  if (s.allowQueryToken)
    problems.push("?token= is accepted (tokens end up in logs): set TOKEN_IN_QUERY=false");
  if (s.allowedOrigins.length === 0 || s.allowedOrigins.includes("*")) {
    problems.push("ALLOWED_ORIGINS must list the origins of the browser apps, not *");
  }
  if (!s.encryption) problems.push("payloads are stored in clear: set ENCRYPTION_KEYS");
  if (!s.audit) problems.push("no audit log: set AUDIT_LOG");
  return problems;
}
