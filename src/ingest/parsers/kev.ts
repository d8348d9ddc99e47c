import * as v from "valibot";
import { issuePath } from "../../protocol/message.ts";
import type { NormalizedItem } from "../item.ts";
import { parseJsonObject, schemaError } from "./json-bytes.ts";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const Text = v.pipe(v.string(), v.maxLength(65536));

/** The fields of `cisa-kev.schema.json` this parser relies on, checked rather than trusted. */
const VulnerabilitySchema = v.looseObject({
  cveID: v.pipe(v.string(), v.regex(/^CVE-\d{4}-\d{4,19}$/, "must look like CVE-YYYY-NNNN")),
  vendorProject: Text,
  product: Text,
  vulnerabilityName: Text,
  dateAdded: v.pipe(v.string(), v.regex(DATE, "must be YYYY-MM-DD")),
  shortDescription: Text,
  requiredAction: Text,
  dueDate: v.pipe(v.string(), v.regex(DATE, "must be YYYY-MM-DD")),
  knownRansomwareCampaignUse: v.optional(v.string(), "Unknown"),
  notes: v.optional(Text, ""),
  cwes: v.optional(v.array(v.string()), []),
});
const CatalogSchema = v.looseObject({
  catalogVersion: v.string(),
  dateReleased: v.string(),
  count: v.pipe(v.number(), v.integer(), v.minValue(0)),
  vulnerabilities: v.array(VulnerabilitySchema),
});

/**
 * The CISA Known Exploited Vulnerabilities catalogue → one item per entry, keyed by CVE id: level high
 * (every entry is exploited in the wild), critical when ransomware campaigns are known to use it.
 * The whole document is validated first; a malformed entry refuses the catalogue, naming the entry.
 */
export function parseKev(bytes: Uint8Array): NormalizedItem[] {
  const r = v.safeParse(CatalogSchema, parseJsonObject(bytes, "KEV catalogue"));
  if (!r.success) {
    const issue = r.issues[0];
    throw schemaError("not a CISA KEV catalogue", issuePath(issue), issue.message);
  }
  return r.output.vulnerabilities.map((k) => {
    const ransomware = k.knownRansomwareCampaignUse.toLowerCase() === "known";
    const item: NormalizedItem = {
      key: k.cveID,
      title: `${k.vendorProject} ${k.product}: ${k.vulnerabilityName}`,
      description: `${k.shortDescription} Required action: ${k.requiredAction} Due date: ${k.dueDate}.`,
      link: `https://nvd.nist.gov/vuln/detail/${k.cveID}`,
      published: Date.parse(`${k.dateAdded}T00:00:00Z`),
      indicators: [`cve:${k.cveID}`],
      threatLevel: ransomware ? "critical" : "high",
      tags: ransomware ? ["ransomware", ...k.cwes] : [...k.cwes],
    };
    return item;
  });
}
