/** @module What a campaign remembers while sessions arrive, and its printable request sample. */

import { latin1 } from "../decode/http-message.js";
import type { RuleSample } from "../detect/draft-sample.js";
import { escapeChar } from "../detect/template-text.js";
import type { Template } from "../schema/detection.js";
import type { Session } from "../schema/session.js";

/** Printable characters of a campaign's sample, and bytes of payload kept for attribution. */
export const SAMPLE_CHARS = 200;
export const ATTRIBUTION_BYTES = 2048;
/** A run of this many equal bytes is written `X{n}` in a sample. */
export const SAMPLE_RUN = 12;

export interface CampaignState {
  template: Template;
  sample: string;
  payload: string;
  ports: Set<number>;
  first: number;
  last: number;
  sessions: number;
  sources: Set<number | string>;
  sourcesCapped: boolean;
  /** Sources per fingerprint name (each source counted once, by its first session's SYN). */
  fingerprints: Map<string, number>;
  cves: Set<string>;
  sids: Set<number>;
  alertedSessions: number;
  /** Sessions per IoC ("type value"), at most 64 IoCs. */
  iocs: Map<string, number>;
  urls: string[];
  userAgents: string[];
  samples: RuleSample[];
  refreshes: number;
}

/** A new campaign seeded by its first session (which gives the sample and attribution payload). */
export function newCampaign(s: Session, t: Template): CampaignState {
  const b = s.clientBytes;
  return {
    template: t,
    sample: sampleText(b),
    payload: latin1(b, 0, Math.min(b.length, ATTRIBUTION_BYTES)),
    ports: new Set(),
    first: s.start,
    last: s.end,
    sessions: 0,
    sources: new Set(),
    sourcesCapped: false,
    fingerprints: new Map(),
    cves: new Set(),
    sids: new Set(),
    alertedSessions: 0,
    iocs: new Map(),
    urls: [],
    userAgents: [],
    samples: [],
    refreshes: 0,
  };
}

/**
 * A short printable sample of a payload: printable ASCII as is, CR/LF/TAB and other bytes
 * escaped (`\r`, `\xNN`), runs of SAMPLE_RUN or more equal bytes as `X{n}`, cut at SAMPLE_CHARS
 * (then "...").
 */
export function sampleText(b: Uint8Array): string {
  let out = "";
  let i = 0;
  const n = Math.min(b.length, SAMPLE_CHARS * 8);
  while (i < n && out.length < SAMPLE_CHARS) {
    const c = b[i] as number;
    let j = i + 1;
    while (j < b.length && b[j] === c) j++;
    const ch = c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : escapeChar(c);
    if (j - i >= SAMPLE_RUN) {
      out += `${ch}{${j - i}}`;
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return i < b.length ? `${out}...` : out;
}
