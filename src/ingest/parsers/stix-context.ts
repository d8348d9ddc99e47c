import { LruMap } from "../../resilience/lru.ts";
import type { StixObject } from "./stix.ts";

/**
 * What earlier TAXII pages of a feed held, so an object keeps the context a page split drops: a
 * relationship on one page, its source and target on others; a marking definition or a report's
 * referenced objects a page earlier. Bounded by object count (the oldest go first); kept in memory, so
 * a restart forgets it (the objects still arrive, without the relations they had on other pages).
 */
export class StixContext {
  // An LruMap rather than a Map's insertion order: evicting "the first entry" of a Map that keeps
  // evicting gets slower each time on JavaScriptCore (see LruMap).
  readonly #objects: LruMap<string, StixObject>;
  /** source_ref → ids of relationships from it (entries may name objects since evicted). */
  readonly #from = new Map<string, Set<string>>();
  /** target_ref → ids of relationships to it. */
  readonly #to = new Map<string, Set<string>>();

  constructor(maxObjects = 10_000) {
    this.#objects = new LruMap(maxObjects, (id, o) => {
      if (o.type !== "relationship") return;
      unindex(this.#from, o.source_ref, id);
      unindex(this.#to, o.target_ref, id);
    });
  }

  get size(): number {
    return this.#objects.size;
  }

  get(id: string): StixObject | undefined {
    return this.#objects.peek(id);
  }

  /** Relationships seen on earlier pages whose source is `id`. */
  relationshipsFrom(id: string): StixObject[] {
    return this.#lookup(this.#from.get(id));
  }

  /** Relationships seen on earlier pages whose target is `id`. */
  relationshipsTo(id: string): StixObject[] {
    return this.#lookup(this.#to.get(id));
  }

  #lookup(ids: ReadonlySet<string> | undefined): StixObject[] {
    const out: StixObject[] = [];
    for (const rid of ids ?? []) {
      const r = this.#objects.peek(rid);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  /** Remembers a page's objects (a newer version replaces the older, and counts as recent). */
  add(objects: readonly StixObject[]): void {
    for (const o of objects) {
      // Indexed before the insert: the insert may evict it at once (a cap of 0), and unindex it then.
      if (o.type === "relationship") {
        index(this.#from, o.source_ref, o.id);
        index(this.#to, o.target_ref, o.id);
      }
      this.#objects.set(o.id, o);
    }
  }
}

function index(map: Map<string, Set<string>>, key: unknown, id: string): void {
  if (typeof key !== "string") return;
  const set = map.get(key) ?? new Set<string>();
  set.add(id);
  map.set(key, set);
}

function unindex(map: Map<string, Set<string>>, key: unknown, id: string): void {
  if (typeof key !== "string") return;
  const set = map.get(key);
  set?.delete(id);
  if (set?.size === 0) map.delete(key);
}
