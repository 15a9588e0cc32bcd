/**
 * @module What a draft rule is checked against: a session's inspection buffers as Suricata
 * would fill them (method, URI raw and decoded, header block, body, client stream), capped, and
 * a small evaluator of the few content forms draft rules use.
 */

import { latin1 } from "../decode/http-message.js";
import type { Session } from "../schema/session.js";
import { percentDecode } from "./template-values.js";

/** Caps of the kept buffers (per sample; campaigns keep a few samples each). */
export const SAMPLE_URI = 512;
export const SAMPLE_HEADER = 1024;
export const SAMPLE_BODY = 512;
export const SAMPLE_STREAM = 1024;

/** A session reduced to what draft rules inspect. */
export interface RuleSample {
  template: string;
  proto: "tcp" | "udp";
  port: number;
  http: boolean;
  method: string;
  /** The request target as sent, and percent-decoded (Suricata's `http.uri` is normalised). */
  uri: string;
  uriDecoded: string;
  /** `Name: value\r\n` per named header of the first request (`http.header`). */
  header: string;
  body: string;
  /** The client's bytes from the start, one char per byte. */
  stream: string;
}

/** The sample of a session (its first HTTP request, when there is one). */
export function ruleSampleOf(s: Session, template: string): RuleSample {
  const c = s.clientBytes;
  const stream = latin1(c, 0, Math.min(c.length, SAMPLE_STREAM));
  const r = s.http?.requests[0];
  if (r === undefined) {
    return {
      template,
      proto: s.proto,
      port: s.dport,
      http: false,
      method: "",
      uri: "",
      uriDecoded: "",
      header: "",
      body: "",
      stream,
    };
  }
  let header = "";
  for (const [name, value] of r.headers) {
    if (name === "") continue;
    header += `${name}: ${value}\r\n`;
    if (header.length >= SAMPLE_HEADER) break;
  }
  const uri = r.target.slice(0, SAMPLE_URI);
  return {
    template,
    proto: s.proto,
    port: s.dport,
    http: true,
    method: r.method.slice(0, 32),
    uri,
    uriDecoded: percentDecode(uri, false),
    header: header.slice(0, SAMPLE_HEADER),
    body: latin1(r.body, 0, Math.min(r.body.length, SAMPLE_BODY)),
    stream,
  };
}

export type DraftBuffer = "stream" | "method" | "uri" | "header" | "body";

/** One `content` of a draft rule, in its buffer. */
export interface DraftContent {
  buffer: DraftBuffer;
  text: string;
  startswith?: boolean;
  /** For stream contents: the match must end within this many bytes of the start. */
  depth?: number;
}

function found(hay: string, c: DraftContent): boolean {
  if (c.startswith === true) return hay.startsWith(c.text);
  if (c.depth !== undefined) {
    const at = hay.indexOf(c.text);
    return at >= 0 && at + c.text.length <= c.depth;
  }
  return hay.includes(c.text);
}

/**
 * Whether a content matches a sample. `strict` (for the campaign's own sessions) asks the URI
 * content to be in both the raw and the decoded URI, so the rule holds whichever Suricata
 * inspects; not strict (other templates' sessions) counts either, so the check errs towards
 * "would match" and a draft never claims a separation it does not have.
 */
export function contentMatches(c: DraftContent, s: RuleSample, strict: boolean): boolean {
  switch (c.buffer) {
    case "stream":
      return found(s.stream, c);
    case "method":
      return found(s.method, c);
    case "uri":
      return strict
        ? found(s.uri, c) && found(s.uriDecoded, c)
        : found(s.uri, c) || found(s.uriDecoded, c);
    case "header":
      return found(s.header, c);
    case "body":
      return found(s.body, c);
  }
}
