/**
 * Builds the page's script from TypeScript when the server starts. The bundler is injected: the default
 * uses `Bun.build` when the runtime has it (feature-tested once, like the native CRC32 in
 * src/protocol/checksum.ts); another runtime passes its own, or serves without the page's script.
 */
export type Bundler = (entry: string) => Promise<string>;

interface BunBuild {
  build(opts: {
    entrypoints: string[];
    target: "browser";
    minify: boolean;
    format: "esm";
  }): Promise<{ success: boolean; logs: unknown[]; outputs: Array<{ text(): Promise<string> }> }>;
}

export function defaultBundler(): Bundler | undefined {
  const bun = (globalThis as { Bun?: BunBuild }).Bun;
  if (bun === undefined) return undefined;
  return async (entry) => {
    const out = await bun.build({ entrypoints: [entry], target: "browser", minify: true, format: "esm" });
    const first = out.outputs[0];
    if (!out.success || first === undefined)
      throw new Error(`dashboard build failed: ${out.logs.map(String).join("\n")}`);
    return first.text();
  };
}
