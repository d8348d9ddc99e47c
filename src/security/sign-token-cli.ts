/**
 * Mints a token for an operator or a test:
 *
 *     TOKEN_SECRET=… npm run token -- --sub analyst-7 --subscribe threats --subscribe 'threats.*'
 *     npm run token -- --sub feeder --publish kev --private-key key.pem --alg ES256 --kid k1
 *
 * Prints the token on stdout; errors go to stderr with exit code 2. The secret is read from the
 * environment, never from argv, so it does not land in shell history or `ps` output.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type AsymmetricAlgorithm, type SigningKey, signToken } from "./tokens.ts";

const ALGORITHMS: readonly AsymmetricAlgorithm[] = ["ES256", "EdDSA", "RS256"];

export const USAGE = `usage: npm run token -- --sub <subject> [options]   (the secret comes from TOKEN_SECRET)
  --sub <id>            the token's subject (required)
  --subscribe <grant>   feeds it may read, repeatable: "*", "threats" (exactly), "threats.*" (below
                        threats, not threats itself)
  --publish <grant>     feeds it may publish on, same grammar
  --ttl <seconds>       lifetime (default 3600; 0: no exp, refused when TOKEN_REQUIRE_EXP is on)
  --private-key <pem> --alg ES256|EdDSA|RS256 [--kid <id>]   sign with a key instead of TOKEN_SECRET
  --issuer <iss> --audience <aud>                            for TOKEN_ISSUER / TOKEN_AUDIENCE
  --help                this text`;

async function main(argv: string[]): Promise<string> {
  if (argv.includes("--help") || argv.includes("-h")) return USAGE;
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: "string" },
      subscribe: { type: "string", multiple: true, default: [] },
      publish: { type: "string", multiple: true, default: [] },
      ttl: { type: "string", default: "3600" },
      "private-key": { type: "string" },
      alg: { type: "string" },
      kid: { type: "string" },
      issuer: { type: "string" },
      audience: { type: "string" },
    },
    strict: true,
  });
  if (values.sub === undefined) throw new Error("--sub is required");
  const ttl = values.ttl === "0" ? null : Number(values.ttl);
  if (ttl !== null && !(Number.isInteger(ttl) && ttl > 0))
    throw new Error("--ttl must be whole seconds (0: no expiry)");
  let key: SigningKey;
  if (values["private-key"] !== undefined) {
    const alg = values.alg as AsymmetricAlgorithm;
    if (!ALGORITHMS.includes(alg)) throw new Error(`--alg must be one of ${ALGORITHMS.join(", ")}`);
    key = { privateKey: readFileSync(values["private-key"], "utf8"), algorithm: alg };
  } else {
    const secret = process.env.TOKEN_SECRET;
    if (!secret) throw new Error("set TOKEN_SECRET, or pass --private-key and --alg");
    key = { secret };
  }
  return signToken(
    {
      sub: values.sub,
      subscribe: values.subscribe,
      publish: values.publish,
      expiresInSec: ttl,
      ...(values.issuer === undefined ? {} : { issuer: values.issuer }),
      ...(values.audience === undefined ? {} : { audience: values.audience }),
    },
    key,
    values.kid === undefined ? {} : { kid: values.kid },
  );
}

main(process.argv.slice(2)).then(
  (token) => process.stdout.write(`${token}\n`),
  (error: unknown) => {
    process.stderr.write(`sign-token: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
