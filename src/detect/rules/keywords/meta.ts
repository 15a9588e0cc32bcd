/** @module Keywords that describe a rule: msg, sid, rev, gid, classtype, priority, reference, metadata. */

import { CLASSTYPES } from "../classtypes.js";
import { splitArgs, stripQuotes, unescapeText } from "../values.js";
import { type Keyword, KeywordError, need, none } from "./keyword.js";

/** Canonical CVE id ("CVE-2018-10088") from the spellings rules use, or undefined. */
export function canonicalCve(v: string): string | undefined {
  const m = /^(?:CVE[-_ ]?)?(\d{4})[-_](\d{4,})$/i.exec(v.trim());
  return m === null ? undefined : `CVE-${m[1]}-${m[2]}`;
}

/**
 * Rule files are read byte for byte (latin1), so content patterns keep their bytes; a message
 * written in UTF-8 is decoded back to its characters when its bytes are valid UTF-8.
 */
function utf8Text(s: string): string {
  let high = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return s;
    if (c >= 0x80) high = true;
  }
  if (!high) return s;
  const t = Buffer.from(s, "latin1").toString("utf8");
  return t.includes("\ufffd") ? s : t;
}

function posInt(name: string, v: string | undefined): number {
  const t = need(name, v).trim();
  if (!/^\d+$/.test(t)) throw new KeywordError(`${name} must be a whole number, not "${t}"`);
  return Number(t);
}

function addCve(list: string[], v: string): void {
  const c = canonicalCve(v);
  if (c !== undefined && !list.includes(c)) list.push(c);
}

export const META_KEYWORDS: Keyword[] = [
  {
    name: "msg",
    doc: "The alert's text (EVE `alert.signature`).",
    setup(b, v) {
      b.info.msg = utf8Text(unescapeText(need("msg", v)));
    },
  },
  {
    name: "sid",
    doc: "The rule's id (EVE `alert.signature_id`).",
    setup(b, v) {
      b.info.sid = posInt("sid", v);
      b.sidSeen = true;
    },
  },
  {
    name: "rev",
    doc: "The rule's revision.",
    setup(b, v) {
      b.info.rev = posInt("rev", v);
    },
  },
  {
    name: "gid",
    doc: "The generator id (default 1).",
    setup(b, v) {
      b.info.gid = posInt("gid", v);
    },
  },
  {
    name: "classtype",
    doc: "The class (its description becomes EVE `alert.category`, its priority the default).",
    setup(b, v) {
      const name = need("classtype", v).trim();
      b.info.classtype = name;
      const c = CLASSTYPES.get(name);
      b.info.category = c?.description ?? "";
    },
  },
  {
    name: "priority",
    doc: "The severity, 1 (high) to 255; overrides the classtype's.",
    setup(b, v) {
      b.explicitPriority = posInt("priority", v);
    },
  },
  {
    name: "reference",
    doc: "A reference `type,value`; `cve` references fill the alert's CVE list.",
    setup(b, v) {
      const t = need("reference", v);
      const comma = t.indexOf(",");
      if (comma < 0) throw new KeywordError(`reference "${t}" needs type,value`);
      const type = t.slice(0, comma).trim().toLowerCase();
      const value = stripQuotes(t.slice(comma + 1));
      b.info.references.push({ type, value });
      if (type === "cve") addCve(b.info.cve, value);
    },
  },
  {
    name: "metadata",
    doc: "`key value` pairs (created_at, updated_at, cve, ...), kept in order; `cve` fills the CVE list.",
    setup(b, v) {
      for (const part of splitArgs(need("metadata", v))) {
        const p = part.trim();
        if (p === "") continue;
        const sp = p.search(/\s/);
        const key = sp < 0 ? p : p.slice(0, sp);
        const value = sp < 0 ? "" : p.slice(sp + 1).trim();
        const list = b.info.metadata[key] ?? [];
        list.push(value);
        b.info.metadata[key] = list;
        if (key.toLowerCase() === "cve") addCve(b.info.cve, value);
      }
    },
  },
  {
    name: "target",
    doc: "Which side is the target (src_ip or dest_ip); accepted, EVE output unchanged.",
    setup(_b, v) {
      const t = need("target", v).trim();
      if (t !== "src_ip" && t !== "dest_ip")
        throw new KeywordError(`target "${t}" is not src_ip or dest_ip`);
    },
  },
  {
    name: "tag",
    doc: "Packet tagging; accepted and has no effect (Portent logs no packets).",
    setup() {},
  },
  {
    name: "noalert",
    doc: "The rule matches (sets flowbits) but never alerts.",
    setup(b, v) {
      none("noalert", v);
      b.noalert = true;
    },
  },
];
