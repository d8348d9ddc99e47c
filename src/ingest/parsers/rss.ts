import { DOMParser } from "linkedom";
import { TacError } from "../../protocol/errors.ts";
import { extractIndicators } from "../indicators/extract.ts";
import type { NormalizedItem } from "../item.ts";
import { decodeFeedBytes } from "./charset.ts";
import { coalesceEntityRuns } from "./entity-runs.ts";
import { htmlToText } from "./html-text.ts";
import { contentKey } from "./key.ts";
import { assertNoEntityDeclarations, assertRootClosed } from "./xml-guard.ts";

export interface RssOptions {
  /** The HTTP Content-Type; its charset wins over the XML declaration. */
  contentType?: string;
  /** Search title and description for indicators (default true). */
  extract?: boolean;
  /** Tags (categories) kept per item (default 20). */
  maxTags?: number;
}

/** The part of linkedom's element the parser touches. */
interface XmlElement {
  tagName: string;
  textContent: string | null;
  firstElementChild: XmlElement | null;
  nextElementSibling: XmlElement | null;
  getAttribute(name: string): string | null;
}

type Format = "rss" | "rdf" | "atom";

/** What an item's children say, gathered in one pass over them (no querySelector per field). */
interface Fields {
  title?: string;
  link?: string;
  altLink?: string;
  firstLink?: string;
  permalink?: string;
  id?: string;
  description?: string;
  content?: string;
  date?: string;
  fallbackDate?: string;
  tags: string[];
}

const text = (el: XmlElement): string => el.textContent ?? "";

function localName(tag: string): string {
  const colon = tag.indexOf(":");
  return colon < 0 ? tag : tag.slice(colon + 1);
}

function prefixOf(tag: string): string {
  const colon = tag.indexOf(":");
  return colon < 0 ? "" : tag.slice(0, colon + 1);
}

function readRssItem(item: XmlElement, maxTags: number): Fields {
  const f: Fields = { tags: [] };
  for (let c = item.firstElementChild; c !== null; c = c.nextElementSibling) {
    // Qualified names on purpose: `atom:link`, `media:title`, `itunes:title` are not the item's own.
    switch (c.tagName) {
      case "title":
        f.title ??= text(c);
        break;
      case "link":
        f.link ??= text(c).trim() || undefined;
        break;
      case "guid":
        f.id ??= text(c).trim() || undefined;
        if (c.getAttribute("isPermaLink") !== "false") f.permalink ??= f.id;
        break;
      case "description":
        f.description ??= text(c);
        break;
      case "content:encoded":
        f.content ??= text(c);
        break;
      case "pubDate":
      case "dc:date":
        f.date ??= text(c).trim() || undefined;
        break;
      case "category":
      case "dc:subject":
        if (f.tags.length < maxTags) f.tags.push(text(c).trim());
        break;
    }
  }
  // RSS 2.0: a guid is the item's permalink unless it says otherwise.
  if (f.link === undefined && f.permalink !== undefined && /^https?:\/\//i.test(f.permalink))
    f.link = f.permalink;
  return f;
}

function readAtomEntry(entry: XmlElement, prefix: string, maxTags: number): Fields {
  const f: Fields = { tags: [] };
  for (let c = entry.firstElementChild; c !== null; c = c.nextElementSibling) {
    const tag = c.tagName;
    if (prefix !== "" && !tag.startsWith(prefix)) continue;
    switch (prefix === "" ? tag : tag.slice(prefix.length)) {
      case "title":
        f.title ??= text(c);
        break;
      case "link": {
        const href = c.getAttribute("href")?.trim();
        if (!href) break;
        f.firstLink ??= href;
        if (c.getAttribute("rel") === "alternate") f.altLink ??= href;
        break;
      }
      case "id":
        f.id ??= text(c).trim() || undefined;
        break;
      case "summary":
        f.description ??= text(c);
        break;
      case "content":
        f.content ??= text(c);
        break;
      case "published":
        f.date ??= text(c).trim() || undefined;
        break;
      case "updated":
        f.fallbackDate ??= text(c).trim() || undefined;
        break;
      case "category": {
        const term = c.getAttribute("term")?.trim();
        if (term && f.tags.length < maxTags) f.tags.push(term);
        break;
      }
    }
  }
  f.link = f.altLink ?? f.firstLink;
  return f;
}

function toItem(f: Fields, extract: boolean): NormalizedItem {
  const title = (f.title ?? "").trim();
  const description = htmlToText(f.description || f.content || "");
  const link = f.link;
  const item: NormalizedItem = {
    key: f.id ?? link ?? contentKey(title, description),
    title,
    description,
    indicators: extract ? extractIndicators(`${title}\n${description}`) : [],
  };
  if (link !== undefined) item.link = link;
  const when = Date.parse(f.date ?? f.fallbackDate ?? "");
  if (Number.isFinite(when)) item.published = when;
  const tags = f.tags.filter((t) => t.length > 0);
  if (tags.length > 0) item.tags = tags;
  return item;
}

function detect(root: XmlElement): { format: Format; prefix: string } | undefined {
  const name = localName(root.tagName);
  if (name === "rss") return { format: "rss", prefix: "" };
  if (name === "RDF") return { format: "rdf", prefix: "" };
  if (name === "feed") return { format: "atom", prefix: prefixOf(root.tagName) };
  return undefined;
}

function* children(parent: XmlElement, tag: string): Generator<XmlElement> {
  for (let c = parent.firstElementChild; c !== null; c = c.nextElementSibling) {
    if (c.tagName === tag) yield c;
  }
}

/**
 * RSS 0.91–2.0, RSS 1.0 (RDF) and Atom 1.0 → items. Charset from the Content-Type or the XML
 * declaration; DOCTYPEs with entity declarations refused; HTML descriptions reduced to plain text.
 * A truncated document yields the items that were complete enough to read. Anything that is not one of
 * the three formats is refused with a VALIDATION error naming what was found instead.
 */
export function parseRss(bytes: Uint8Array, options: RssOptions = {}): NormalizedItem[] {
  const xml = decodeFeedBytes(bytes, options.contentType);
  assertNoEntityDeclarations(xml);
  const extract = options.extract ?? true;
  const maxTags = options.maxTags ?? 20;
  let root: XmlElement | null;
  try {
    const doc = new DOMParser().parseFromString(coalesceEntityRuns(xml), "text/xml") as unknown as {
      documentElement: XmlElement | null;
    };
    root = doc.documentElement;
  } catch (cause) {
    throw new TacError("VALIDATION", "feed is not well-formed XML", { cause });
  }
  if (root === null) throw TacError.validation("feed is empty: no root element");
  const kind = detect(root);
  if (kind === undefined) {
    throw TacError.validation(`not an RSS, RDF or Atom document (root element <${root.tagName}>)`);
  }
  assertRootClosed(xml, root.tagName);
  const items: NormalizedItem[] = [];
  if (kind.format === "atom") {
    for (const entry of children(root, `${kind.prefix}entry`)) {
      items.push(toItem(readAtomEntry(entry, kind.prefix, maxTags), extract));
    }
    return items;
  }
  // RSS 2.0 nests items in <channel>; RSS 1.0 makes them the channel's siblings.
  const parents = kind.format === "rss" ? [...children(root, "channel")] : [root];
  for (const parent of parents) {
    for (const el of children(parent, "item")) items.push(toItem(readRssItem(el, maxTags), extract));
  }
  return items;
}
