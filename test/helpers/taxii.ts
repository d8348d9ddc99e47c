import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A TAXII 2.1 collection as the OASIS reference server (medallion) serves it from
 * `test/fixtures/threat/taxii/default_data.json`: every manifest entry (object version) ordered by
 * `date_added`, `added_after` strictly after, `limit`, envelope `more` + an opaque `next` token, and the
 * X-TAXII-Date-Added-First/Last headers of the page. Use it as an upstream route handler.
 */
export interface TaxiiCollection {
  /** Object versions in date_added order, as the server pages them. */
  readonly entries: ReadonlyArray<{ added: string; object: Record<string, unknown> }>;
  /** False: no `next` tokens, the client pages by `added_after` alone. */
  useNext: boolean;
  serve(req: Request): Response;
}

interface Manifest {
  id: string;
  date_added: string;
  version: string;
}

const DATA = join(import.meta.dir, "..", "fixtures", "threat", "taxii", "default_data.json");
export const TAXII_COLLECTION_ID = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";

export function taxiiCollection(collectionId = TAXII_COLLECTION_ID): TaxiiCollection {
  const data = JSON.parse(readFileSync(DATA, "utf8")) as {
    trustgroup1: {
      collections: Array<{ id: string; objects: Record<string, unknown>[]; manifest: Manifest[] }>;
    };
  };
  const col = data.trustgroup1.collections.find((c) => c.id === collectionId);
  if (col === undefined) throw new Error(`no collection ${collectionId} in default_data.json`);
  const versionOf = (o: Record<string, unknown>) => (o.modified ?? o.created) as string | undefined;
  const entries = col.manifest
    .map((m) => {
      const object = col.objects.find(
        (o) => o.id === m.id && (versionOf(o) === m.version || versionOf(o) === undefined),
      );
      if (object === undefined) throw new Error(`manifest ${m.id}@${m.version} has no object`);
      return { added: m.date_added, object };
    })
    .sort((a, b) => Date.parse(a.added) - Date.parse(b.added));
  const tokens = new Map<string, { after: string | null; offset: number }>();
  const c: TaxiiCollection = {
    entries,
    useNext: true,
    serve(req) {
      if (req.headers.get("accept") !== "application/taxii+json;version=2.1") {
        return new Response("not acceptable", { status: 406 });
      }
      const q = new URL(req.url).searchParams;
      const limit = Number(q.get("limit") ?? "100");
      const token = q.get("next");
      let after = q.get("added_after");
      let offset = 0;
      if (token !== null) {
        const t = tokens.get(token);
        if (t === undefined) return new Response('{"title":"bad next"}', { status: 400 });
        after = t.after;
        offset = t.offset;
      }
      // The fixture's timestamps share one format (microseconds, Z), so they compare as strings.
      const matching = entries.filter((e) => after === null || e.added > after!);
      const page = matching.slice(offset, offset + limit);
      const more = offset + limit < matching.length;
      const body: Record<string, unknown> = { more, objects: page.map((p) => p.object) };
      if (more && c.useNext) {
        const id = crypto.randomUUID();
        tokens.set(id, { after, offset: offset + limit });
        body.next = id;
      }
      const headers: Record<string, string> = { "content-type": "application/taxii+json;version=2.1" };
      if (page.length > 0) {
        headers["X-TAXII-Date-Added-First"] = page[0]!.added;
        headers["X-TAXII-Date-Added-Last"] = page.at(-1)!.added;
      }
      return new Response(JSON.stringify(body), { headers });
    },
  };
  return c;
}
