/**
 * @module Telnet sessions for templates and IoCs: the client's option negotiation, the lines it
 * typed, and which of them were credentials (counted from the server's password prompts).
 */

import { latin1 } from "../decode/http-message.js";
import type { Session } from "../schema/session.js";
import { normaliseText } from "./template-text.js";

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
/** Bytes of either direction a telnet dialogue is read from. */
export const MAX_TELNET_BYTES = 8192;
/** Lines kept per session, and characters per line. */
export const MAX_TELNET_LINES = 64;
export const MAX_TELNET_LINE = 512;

/** What a client sent over telnet. */
export interface TelnetDialogue {
  /** Option commands in order, as hex: "fb1f" (WILL NAWS), "fa1f" (a NAWS subnegotiation). */
  options: string[];
  /** Lines typed, IAC sequences removed, in order. */
  lines: string[];
  /** How many leading lines are user names and passwords. */
  credentialLines: number;
}

const HEX = "0123456789abcdef";
const hex2 = (b: number): string => `${HEX[b >> 4]}${HEX[b & 15]}`;

/** True when either side speaks telnet options first, or the server asks for a login. */
export function looksLikeTelnet(s: Session): boolean {
  const c = s.clientBytes;
  const v = s.serverBytes;
  if (c[0] === IAC && (c[1] as number) >= SB) return true;
  if (v[0] === IAC && (v[1] as number) >= SB) return true;
  if (v.length === 0) return false;
  const text = latin1(v, 0, Math.min(v.length, 1024)).toLowerCase();
  return text.includes("login:") || text.includes("username:") || text.includes("password:");
}

/**
 * How many leading client lines are credentials: two per password prompt the server showed, one
 * for a lone login prompt. With no server bytes (a one-sided capture) a bot typing two or more
 * lines is taken to start with a user name and a password.
 */
function credentialLineCount(v: Uint8Array, lines: number): number {
  if (v.length === 0) return lines >= 2 ? 2 : 0;
  const text = latin1(v, 0, Math.min(v.length, MAX_TELNET_BYTES)).toLowerCase();
  let n = 0;
  for (let i = text.indexOf("assword"); i >= 0 && n < 64; i = text.indexOf("assword", i + 7)) n++;
  if (n > 0) return Math.min(2 * n, lines);
  return text.includes("ogin") || text.includes("sername") ? Math.min(1, lines) : 0;
}

/** Parses the client's side of a telnet session. */
export function telnetDialogue(s: Session): TelnetDialogue {
  const b = s.clientBytes;
  const n = Math.min(b.length, MAX_TELNET_BYTES);
  const options: string[] = [];
  const lines: string[] = [];
  let line: number[] = [];
  const endLine = (): void => {
    if (line.length > 0 && lines.length < MAX_TELNET_LINES) {
      lines.push(String.fromCharCode(...line));
    }
    line = [];
  };
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    if (c === IAC && i + 1 < n) {
      const cmd = b[i + 1] as number;
      if (cmd === IAC) {
        i++;
      } else if (cmd === SB) {
        if (options.length < 32) options.push(`fa${hex2((b[i + 2] ?? 0) as number)}`);
        let j = i + 2;
        while (j + 1 < n && !(b[j] === IAC && b[j + 1] === SE)) j++;
        i = j + 1;
        continue;
      } else if (cmd > SB) {
        if (options.length < 32) options.push(hex2(cmd) + hex2((b[i + 2] ?? 0) as number));
        i += 2;
        continue;
      } else {
        i++;
        continue;
      }
    }
    if (c === 0x0d || c === 0x0a || c === 0) endLine();
    else if (line.length < MAX_TELNET_LINE) line.push(c);
  }
  endLine();
  return { options, lines, credentialLines: credentialLineCount(s.serverBytes, lines.length) };
}

/**
 * `telnet iac[fc01 fb1f ...] login | cmd ; cmd`: options as sent, credentials reduced to
 * "login" (any user, any password, any number of tries), commands normalised, repeats folded.
 */
export function telnetText(s: Session): string {
  const d = telnetDialogue(s);
  let out = `iac[${d.options.join(" ")}]`;
  if (d.credentialLines > 0) out += " login";
  let prev = "";
  let cmds = 0;
  for (let i = d.credentialLines; i < d.lines.length && cmds < 16; i++) {
    const t = normaliseText((d.lines[i] as string).trim(), { hosts: true, max: 120 });
    if (t === "" || t === prev) continue;
    out += cmds === 0 ? " | " : " ; ";
    out += t;
    prev = t;
    cmds++;
  }
  return out;
}
