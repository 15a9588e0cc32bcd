/**
 * @module Query strings, form bodies and parameter values as templates see them: names kept,
 * values reduced to a class (`<CMD>`, `<URL>`, `<RUN>`, ...), so senders of one exploit with
 * different downloaders, credentials or padding lengths share a template.
 */

import { isDigit, isIpv4 } from "./host-text.js";
import { normaliseText, normaliseWord } from "./template-text.js";

/** Parameters kept per query string or form. */
export const MAX_PARAMS = 32;
/** A value with a run of this many identical characters is `<RUN>` (an overflow's padding). */
export const VALUE_RUN = 16;
/** Longer values without another class are `<LONG>`. */
export const LONG_VALUE = 64;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * Percent-decodes `s` (one pass; invalid escapes stay as they are), and when `plus` turns '+'
 * into a space as form encoding does. Returns `s` itself when there is nothing to decode.
 */
export function percentDecode(s: string, plus: boolean): string {
  if (s.indexOf("%") < 0 && !(plus && s.indexOf("+") >= 0)) return s;
  let out = "";
  let start = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < n) {
      const h = hexValue(s.charCodeAt(i + 1));
      const l = hexValue(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        out += s.slice(start, i) + String.fromCharCode(h * 16 + l);
        i += 2;
        start = i + 1;
      }
    } else if (c === 0x2b && plus) {
      out += `${s.slice(start, i)} `;
      start = i + 1;
    }
  }
  return out + s.slice(start);
}

const SHELL_VERBS = ["wget", "curl", "tftp", "busybox", "ftpget", "chmod", "/bin/", "cd /"];

/** True when decoded text looks like a shell command (metacharacters or a download verb). */
export function looksLikeShell(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x3b || c === 0x7c || c === 0x60 || c === 0x0a) return true;
    if (c === 0x24 && v.charCodeAt(i + 1) === 0x28) return true;
    if (c === 0x26 && v.charCodeAt(i + 1) === 0x26) return true;
  }
  for (const w of SHELL_VERBS) if (v.includes(w)) return true;
  return false;
}

function hasRun(v: string, min: number): boolean {
  let run = 1;
  for (let i = 1; i < v.length; i++) {
    if (v.charCodeAt(i) === v.charCodeAt(i - 1)) {
      if (++run >= min) return true;
    } else run = 1;
  }
  return false;
}

/** The class of a (decoded) parameter value: what stays stable across senders of a payload. */
export function valueClass(v: string): string {
  if (v === "") return "";
  if (looksLikeShell(v)) return "<CMD>";
  if (v.includes("://")) return "<URL>";
  if (hasRun(v, VALUE_RUN)) return "<RUN>";
  if (isIpv4(v)) return "<IP>";
  let digits = 0;
  for (let i = 0; i < v.length; i++) if (isDigit(v.charCodeAt(i))) digits++;
  if (digits === v.length && v.length <= 20) return "<N>";
  if (v.length > LONG_VALUE) return "<LONG>";
  const w = normaliseWord(v);
  if (w === "<hex>" || w === "<tok>") return "<TOK>";
  return "<S>";
}

const NAME_OPTS = { hosts: false, max: 40 };

/** True for a short query part made of path-like characters ("images/" of the GPON bypass). */
function isPlainPart(v: string): boolean {
  if (v.length > 32) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      isDigit(c) ||
      c === 0x5f ||
      c === 0x2e ||
      c === 0x2f ||
      c === 0x2d;
    if (!ok) return false;
  }
  return true;
}

/**
 * `a=b&c=d` as `a=<S>&c=<N>`: names normalised (numbers and tokens replaced), values classed.
 * A part without '=' is kept (normalised) when plain, else classed.
 */
export function formTemplate(q: string): string {
  const parts = q.split("&", MAX_PARAMS + 1);
  let out = "";
  const kept = Math.min(parts.length, MAX_PARAMS);
  for (let k = 0; k < kept; k++) {
    const part = parts[k] as string;
    if (part === "") continue;
    if (out !== "") out += "&";
    const eq = part.indexOf("=");
    if (eq < 0) {
      const v = percentDecode(part, true);
      out += isPlainPart(v) ? normaliseText(v, NAME_OPTS) : valueClass(v);
    } else {
      const name = normaliseText(percentDecode(part.slice(0, eq), true), NAME_OPTS);
      out += `${name}=${valueClass(percentDecode(part.slice(eq + 1), true))}`;
    }
  }
  if (parts.length > MAX_PARAMS) out += "&...";
  return out;
}
