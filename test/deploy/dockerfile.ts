/**
 * A Dockerfile reader for the subset this repo uses: comments, `\` continuations, global `ARG`s before
 * the first `FROM`, stages, and `KEY=value` pairs in `ENV` and `ARG`. Enough to check invariants
 * without Docker (there is no daemon here, and no registry to pull oven/bun from).
 */
export interface Instruction {
  op: string;
  arg: string;
}

export interface Dockerfile {
  /** Global ARG defaults (before the first FROM). */
  args: Record<string, string>;
  stages: Array<{ from: string; lines: Instruction[] }>;
  /** Arguments of every `op` in the final stage, in order. */
  final(op: string): string[];
  /** ENV of the final stage. */
  env(): Record<string, string>;
}

export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let cur = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (cur === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      cur += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${cur}${line}`.trim());
    cur = "";
  }
  const args: Record<string, string> = {};
  const stages: Dockerfile["stages"] = [];
  for (const l of logical) {
    const sp = l.indexOf(" ");
    const op = l.slice(0, sp).toUpperCase();
    const arg = l.slice(sp + 1).trim();
    if (op === "FROM") stages.push({ from: arg, lines: [] });
    else if (stages.length === 0 && op === "ARG") Object.assign(args, pairs(arg));
    else stages.at(-1)?.lines.push({ op, arg });
  }
  const last = () => stages.at(-1)?.lines ?? [];
  return {
    args,
    stages,
    final: (op) =>
      last()
        .filter((i) => i.op === op)
        .map((i) => i.arg),
    env: () =>
      Object.assign(
        {},
        ...last()
          .filter((i) => i.op === "ENV")
          .map((i) => pairs(i.arg)),
      ),
  };
}

function pairs(arg: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of arg.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) {
    out[m[1]!] = m[2]!.replace(/^"|"$/g, "");
  }
  return out;
}
