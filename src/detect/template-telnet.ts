/**
 * @module Telnet sessions for templates and IoCs: the client's option negotiation, the lines it
 * typed, and which of them were credentials, as decoded by decode/telnet.ts.
 */

import { decodeTelnet, looksLikeTelnetBytes } from "../decode/telnet.js";
import type { Session } from "../schema/session.js";
import { normaliseText } from "./template-text.js";

/** What a client sent over telnet. */
export interface TelnetDialogue {
  /** Option commands in order, as hex: "fb1f" (WILL NAWS), "fa1f" (a NAWS subnegotiation). */
  options: string[];
  /** Lines typed, IAC sequences removed, in order. */
  lines: string[];
  /** How many leading lines are user names and passwords. */
  credentialLines: number;
}

/** True when either side speaks telnet options first, or the server asks for a login. */
export function looksLikeTelnet(s: Session): boolean {
  return looksLikeTelnetBytes(s.clientBytes, s.serverBytes);
}

/** Parses the client's side of a telnet session. */
export function telnetDialogue(s: Session): TelnetDialogue {
  const d = decodeTelnet(s.clientBytes, s.serverBytes);
  return { options: d.options, lines: d.lines, credentialLines: d.credentialLines };
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
