import type { ThreatLevel } from "../protocol/message.ts";

/**
 * What every parser (rss, json, stix, taxii, misp, kev) produces from a source's bytes, before it
 * becomes a `ThreatPayload` message. Pure data: no source-specific shape leaks past the parser.
 */
export interface NormalizedItem {
  /** Stable identity at the source (guid, STIX id, cveID, MISP uuid) or a content hash; de-duplication key. */
  key: string;
  title: string;
  /** Plain text (HTML already reduced to text). */
  description: string;
  link?: string;
  /** Epoch ms when the source published or last modified the item. */
  published?: number;
  /** Typed indicators: `ipv4:`, `ipv6:`, `domain:`, `url:`, `email:`, `md5:`, `sha1:`, `sha256:`, `cve:`. */
  indicators: string[];
  /** The level when the source states one; level rules may still raise or set it. */
  threatLevel?: ThreatLevel;
  confidence?: number;
  tags?: string[];
  /** STIX / TAXII: the object id and its `modified` (the version). */
  stix?: { id: string; modified: string };
  /**
   * Set when a versioned item (STIX/TAXII) is emitted again because it gained context (a relationship on
   * a later page): part of its de-duplication identity, so the enriched copy is news once.
   */
  revision?: string;
  /** Traffic Light Protocol marking, lower case (`amber+strict`). */
  tlp?: "clear" | "white" | "green" | "amber" | "amber+strict" | "red";
}
