/**
 * @module Payload templates: a session's payload normalised (docs/campaigns.md) and hashed, so
 * every sender of one exploit, whatever its downloader, credentials or padding, shares an id.
 */

import { latin1 } from "../decode/http-message.js";
import type { Template } from "../schema/detection.js";
import type { HttpRequest, Session } from "../schema/session.js";
import { looksLikeTelnet, telnetText } from "./template-telnet.js";
import { escapeText, normaliseText } from "./template-text.js";
import { formTemplate, percentDecode } from "./template-values.js";

/** Requests of a session that shape its template (a keep-alive scanner's first few). */
export const MAX_TEMPLATE_REQUESTS = 4;
/** Header names kept per request. */
export const MAX_TEMPLATE_HEADERS = 32;
/** Bytes of a raw (non-HTTP) payload or of an HTTP body looked at. */
export const MAX_RAW_BYTES = 512;
/** Longest template text; the hash covers exactly the text kept. */
export const MAX_TEMPLATE_TEXT = 2048;

const PATH_OPTS = { hosts: false, max: 160 };
const TEXT_OPTS = { hosts: true, max: 240 };
const NAME_OPTS = { hosts: false, max: 40 };
const RAW_OPTS = { hosts: true, max: 600 };

/** The template of a session: HTTP requests, a telnet dialogue, or raw TCP/UDP bytes. */
export function templateOf(s: Session): Template {
  let kind: string;
  let text: string;
  const reqs = s.http?.requests;
  let http = "";
  if (reqs !== undefined && reqs.length > 0) {
    try {
      http = httpTemplateText(reqs);
    } catch {
      // A parser surprise must not stop the pipeline: the raw bytes still make a template.
    }
  }
  if (http !== "") {
    kind = "http";
    text = http;
  } else if (s.proto === "tcp" && looksLikeTelnet(s)) {
    kind = "telnet";
    text = telnetText(s);
  } else {
    kind = s.proto;
    const b = s.clientBytes;
    text = normaliseText(latin1(b, 0, Math.min(b.length, MAX_RAW_BYTES)), RAW_OPTS);
    if (b.length > MAX_RAW_BYTES && !text.endsWith("...")) text += "...";
  }
  if (text.length > MAX_TEMPLATE_TEXT) text = `${text.slice(0, MAX_TEMPLATE_TEXT)}...`;
  return { id: templateId(kind, text), text, kind };
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex32(v: number): string {
  return (HEX[v >>> 24] as string) + HEX[(v >>> 16) & 255] + HEX[(v >>> 8) & 255] + HEX[v & 255];
}

/**
 * The template id: 64 bits as 16 hex digits, from two 32-bit hashes of the kind and the text
 * run side by side (FNV-1a, and a Murmur-style multiply-xorshift), each finalised with
 * Murmur3's mixer. Two Math.imul per character: a quarter of the cost of FNV-1a 64 in 16-bit
 * limbs, and ids only need to be stable and spread, not cryptographic.
 */
export function templateId(kind: string, text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < kind.length; i++) {
    const c = kind.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = Math.imul(a ^ 10, 0x01000193);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return hex32(fmix(a ^ text.length)) + hex32(fmix(b ^ Math.imul(text.length, 0x9e3779b1)));
}

function fmix(h0: number): number {
  let h = h0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The requests' texts joined by " ;; ". */
export function httpTemplateText(reqs: readonly HttpRequest[]): string {
  let out = "";
  const n = Math.min(reqs.length, MAX_TEMPLATE_REQUESTS);
  for (let i = 0; i < n; i++) {
    if (i > 0) out += " ;; ";
    out += requestText(reqs[i] as HttpRequest);
  }
  if (reqs.length > n) out += " ;; ...";
  return out;
}

/**
 * One request: `METHOD path?query VERSION h[names] l[colonless lines] b[body]`. Header values
 * are left out (they carry the sensor's address, dates, cookies); lines without a colon are the
 * uc-httpd exploit's form data, so they are read as a form.
 */
function requestText(r: HttpRequest): string {
  let out = `${escapeText(r.method, 24)} ${targetText(r.target)}`;
  out += ` ${r.version === "" ? "-" : escapeText(r.version, 12)}`;
  let names = "";
  let lines = "";
  let contentType = "";
  const nh = Math.min(r.headers.length, MAX_TEMPLATE_HEADERS);
  for (let i = 0; i < nh; i++) {
    const [name, value] = r.headers[i] as [string, string];
    if (name === "") {
      if (lines !== "") lines += " ";
      lines += value.includes("=") ? formTemplate(value.trim()) : normaliseText(value, TEXT_OPTS);
      continue;
    }
    if (names !== "") names += ",";
    names += normaliseText(name, NAME_OPTS);
    if (name.length === 12 && name.toLowerCase() === "content-type") {
      contentType = value.toLowerCase();
    }
  }
  if (r.headers.length > nh) names += ",...";
  out += ` h[${names}]`;
  if (lines !== "") out += ` l[${lines}]`;
  if (r.body.length > 0) out += ` ${bodyText(r.body, contentType)}`;
  return out;
}

/** The request target: the path normalised, the query as a form; absolute targets lose their host. */
function targetText(target: string): string {
  let t = target;
  let prefix = "";
  const scheme = t.indexOf("://");
  if (scheme > 0 && scheme <= 5 && t.charCodeAt(0) !== 0x2f) {
    const slash = t.indexOf("/", scheme + 3);
    prefix = `${escapeText(t.slice(0, scheme), 8).toLowerCase()}://<host>`;
    t = slash < 0 ? "" : t.slice(slash);
  }
  const q = t.indexOf("?");
  const path = q < 0 ? t : t.slice(0, q);
  let out = prefix + normaliseText(percentDecode(path, false), PATH_OPTS);
  if (q >= 0) out += `?${formTemplate(t.slice(q + 1, q + 1 + 4 * MAX_RAW_BYTES))}`;
  return out;
}

/** A body: a form as names and value classes, XML as its element names, anything else as text. */
function bodyText(body: Uint8Array, contentType: string): string {
  const text = latin1(body, 0, Math.min(body.length, MAX_RAW_BYTES * 4));
  let i = 0;
  while (i < text.length && i < 64 && text.charCodeAt(i) <= 0x20) i++;
  const first = text.charCodeAt(i);
  if (contentType.includes("xml") || first === 0x3c) return `x[${xmlNames(text)}]`;
  if (contentType.includes("json") || first === 0x7b || first === 0x5b) {
    return `j[${normaliseText(text, TEXT_OPTS)}]`;
  }
  if (contentType.includes("form-urlencoded") || looksLikeForm(text)) {
    return `b[${formTemplate(text.trim())}]`;
  }
  return `r[${normaliseText(text, TEXT_OPTS)}]`;
}

/** True when text starts with `name=` (a form without a Content-Type). */
function looksLikeForm(text: string): boolean {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq > 64) return false;
  for (let i = 0; i < eq; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x3c || c === 0x7b || c >= 0x7f) return false;
  }
  return true;
}

/** Element names of an XML body in order (closing tags skipped), at most 32. */
function xmlNames(text: string): string {
  const names: string[] = [];
  let i = text.indexOf("<");
  while (i >= 0 && names.length < 32) {
    let j = i + 1;
    if (text.charCodeAt(j) !== 0x2f) {
      while (j < text.length && j - i < 48) {
        const c = text.charCodeAt(j);
        if (c <= 0x20 || c === 0x3e || c === 0x2f) break;
        j++;
      }
      if (j > i + 1) names.push(normaliseText(text.slice(i + 1, j), NAME_OPTS));
    }
    i = text.indexOf("<", j);
  }
  return i >= 0 ? `${names.join(" ")} ...` : names.join(" ");
}
