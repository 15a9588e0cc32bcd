/** @module The keyword registry: every supported keyword, by name. */

import { BYTE_KEYWORDS } from "./bytes.js";
import { CONTENT_KEYWORDS } from "./content.js";
import { FLOW_KEYWORDS } from "./flow.js";
import { HEADER_KEYWORDS } from "./header.js";
import type { Keyword } from "./keyword.js";
import { META_KEYWORDS } from "./meta.js";
import { PCRE_KEYWORD } from "./pcre.js";
import { SIZE_KEYWORDS } from "./sizes.js";

export type { Keyword } from "./keyword.js";

/** All keywords, in the order docs/rules.md lists them. */
export const KEYWORD_LIST: readonly Keyword[] = [
  ...META_KEYWORDS,
  ...FLOW_KEYWORDS,
  ...CONTENT_KEYWORDS,
  PCRE_KEYWORD,
  ...BYTE_KEYWORDS,
  ...SIZE_KEYWORDS,
  ...HEADER_KEYWORDS,
];

export const KEYWORDS: ReadonlyMap<string, Keyword> = new Map(KEYWORD_LIST.map((k) => [k.name, k]));
