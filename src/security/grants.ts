import * as v from "valibot";
import { TacError } from "../protocol/errors.ts";
import { FeedIdSchema } from "../protocol/message.ts";

/** Patterns one grant list may hold; bounds both compile time and token size abuse. */
export const MAX_GRANT_PATTERNS = 256;

const isFeedId = (s: string): boolean => v.is(FeedIdSchema, s);

/**
 * The feed ids a principal may subscribe to or publish on, compiled once from patterns:
 *
 * - `"*"` — every feed;
 * - `"threats.*"` — every feed *below* `threats`: `threats.x`, `threats.x.y`; not `threats` itself and
 *   not `threatsx` (the dot is part of the pattern);
 * - `"threats.kev"` — exactly that feed.
 *
 * Nothing else is a pattern (`thr*`, `*.kev`, `threats.*.kev` are refused), so a check costs one set
 * lookup per dot in the feed id — at most 64 for the longest valid id — whatever the number of grants.
 */
export class GrantSet {
  /** Grants nothing. */
  static readonly none: GrantSet = new GrantSet([], false, new Set(), new Set());

  readonly patterns: readonly string[];
  readonly all: boolean;
  readonly #exact: ReadonlySet<string>;
  /** `threats.*` is stored as `threats`. */
  readonly #prefixes: ReadonlySet<string>;

  private constructor(patterns: string[], all: boolean, exact: Set<string>, prefixes: Set<string>) {
    this.patterns = Object.freeze(patterns);
    this.all = all;
    this.#exact = exact;
    this.#prefixes = prefixes;
  }

  /**
   * @throws TacError VALIDATION naming the offending pattern (`[i]`) when a pattern is not one of the
   *   three forms or there are more than {@link MAX_GRANT_PATTERNS}.
   */
  static compile(patterns: readonly string[]): GrantSet {
    if (patterns.length > MAX_GRANT_PATTERNS) {
      throw TacError.validation(`at most ${MAX_GRANT_PATTERNS} grant patterns`);
    }
    let all = false;
    const exact = new Set<string>();
    const prefixes = new Set<string>();
    patterns.forEach((p, i) => {
      if (p === "*") all = true;
      else if (p.endsWith(".*") && isFeedId(p.slice(0, -2))) prefixes.add(p.slice(0, -2));
      else if (isFeedId(p)) exact.add(p);
      else
        throw TacError.validation(
          `grant pattern ${JSON.stringify(p)} must be "*", "<feed>.*" or a feed id`,
          `[${i}]`,
        );
    });
    return new GrantSet([...new Set(patterns)], all, exact, prefixes);
  }

  /**
   * The pattern that grants `feedId` — the most specific one — or null. Audit records carry it as "the
   * grant used". An invalid feed id is never granted, even by `"*"`.
   */
  match(feedId: string): string | null {
    if (!isFeedId(feedId)) return null;
    if (this.#exact.has(feedId)) return feedId;
    if (this.#prefixes.size > 0) {
      for (let dot = feedId.lastIndexOf("."); dot > 0; dot = feedId.lastIndexOf(".", dot - 1)) {
        const prefix = feedId.slice(0, dot);
        if (this.#prefixes.has(prefix)) return `${prefix}.*`;
      }
    }
    return this.all ? "*" : null;
  }

  allows(feedId: string): boolean {
    return this.match(feedId) !== null;
  }

  toJSON(): readonly string[] {
    return this.patterns;
  }
}
