/** @module content, its modifiers, sticky buffers and the Suricata 4 buffer modifiers. */

import { BUFFERS, LEGACY, STICKY } from "../buffers.js";
import type { RuleBuilder } from "../builder.js";
import type { ContentItem } from "../types.js";
import { parseContent } from "../values.js";
import { type Keyword, KeywordError, need, none } from "./keyword.js";

const ASCII_UPPER = /[A-Z]/;
/** Latin-1 capitals: the only other one-byte chars String.toLowerCase changes. */
const LATIN_UPPER = /[\u00c0-\u00d6\u00d8-\u00de]/;

/** ASCII-only lowercasing of a latin1 string, as Suricata's nocase compares. */
export function asciiLower(s: string): string {
  if (!ASCII_UPPER.test(s)) return s;
  // V8's toLowerCase is fast on one-byte strings; it is ASCII-only unless Latin-1 capitals occur.
  if (!LATIN_UPPER.test(s)) return s.toLowerCase();
  const b = Buffer.from(s, "latin1");
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c >= 65 && c <= 90) b[i] = c + 32;
  }
  return b.toString("latin1");
}

function addContent(b: RuleBuilder, raw: string, name: string, buf = b.sticky): ContentItem {
  const c = parseContent(raw);
  if (typeof c === "string") throw new KeywordError(`${name}: ${c}`);
  const item: ContentItem = {
    kind: "content",
    pattern: c.bytes,
    nocase: false,
    negated: c.negated,
    offset: undefined,
    depth: undefined,
    distance: undefined,
    within: undefined,
    startswith: false,
    endswith: false,
    fastPattern: false,
  };
  b.add(item, buf);
  b.lastContent = item;
  return item;
}

function modifier(
  name: string,
  doc: string,
  apply: (c: ContentItem, b: RuleBuilder, v: string | undefined) => void,
): Keyword {
  return {
    name,
    doc,
    setup(b, v) {
      apply(b.content(name), b, v);
    },
  };
}

const CONTENT: Keyword[] = [
  {
    name: "content",
    doc: "Bytes that must (or with `!` must not) appear: text with `|hex|` runs and `\\\\` escapes.",
    setup(b, v) {
      addContent(b, need("content", v), "content");
    },
  },
  {
    name: "uricontent",
    doc: "Suricata 4's content on the normalised URI (as `http.uri; content`).",
    setup(b, v) {
      addContent(b, need("uricontent", v), "uricontent", LEGACY.get("http_uri")!);
    },
  },
  modifier("nocase", "The previous content matches regardless of ASCII case.", (c, _b, v) => {
    none("nocase", v);
    c.nocase = true;
    c.pattern = asciiLower(c.pattern);
  }),
  modifier(
    "depth",
    "The previous content must end within N bytes of the buffer start (or offset).",
    (c, b, v) => {
      c.depth = b.numRef(need("depth", v), "depth");
    },
  ),
  modifier("offset", "The previous content starts at or after byte N of the buffer.", (c, b, v) => {
    c.offset = b.numRef(need("offset", v), "offset");
  }),
  modifier(
    "distance",
    "The previous content starts N bytes (may be negative) after the prior match.",
    (c, b, v) => {
      c.distance = b.numRef(need("distance", v), "distance");
    },
  ),
  modifier(
    "within",
    "The previous content ends within N bytes after the prior match (plus distance).",
    (c, b, v) => {
      c.within = b.numRef(need("within", v), "within");
    },
  ),
  modifier("startswith", "The previous content must be at the start of the buffer.", (c, _b, v) => {
    none("startswith", v);
    c.startswith = true;
  }),
  modifier("endswith", "The previous content must end at the end of the buffer.", (c, _b, v) => {
    none("endswith", v);
    c.endswith = true;
  }),
  modifier(
    "fast_pattern",
    "Use the previous content for the multi-pattern prefilter (`only` and `N,M` accepted).",
    (c) => {
      if (c.negated) return;
      c.fastPattern = true;
    },
  ),
  modifier("rawbytes", "Accepted for Snort compatibility; no effect.", () => {}),
];

const LEGACY_KEYWORDS: Keyword[] = [...LEGACY].map(([name, buf]) => ({
  name,
  doc: `Moves the previous content into \`${buf.name}\` (Suricata 4 form).`,
  setup(b: RuleBuilder, v: string | undefined) {
    none(name, v);
    b.moveContent(buf, name);
  },
}));

const STICKY_KEYWORDS: Keyword[] = [...STICKY].map(([name, buf]) => ({
  name,
  doc:
    buf === BUFFERS[0]
      ? "Back to the packet/stream payload for the following keywords."
      : `Following content/pcre/byte keywords inspect \`${buf.name}\`.`,
  setup(b: RuleBuilder, v: string | undefined) {
    none(name, v);
    b.sticky = buf;
    b.lastContent = undefined;
  },
}));

export const CONTENT_KEYWORDS: Keyword[] = [...CONTENT, ...LEGACY_KEYWORDS, ...STICKY_KEYWORDS];
