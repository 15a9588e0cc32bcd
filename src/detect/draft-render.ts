/** @module Draft rules as Suricata rule text: header, msg, buffers and contents, metadata. */

import type { DraftInput } from "./draft-rule.js";
import type { DraftBuffer, DraftContent } from "./draft-sample.js";

/** More ports than this are written as `any`. */
export const MAX_RULE_PORTS = 16;

const HEX = "0123456789ABCDEF";
const BUFFER_ORDER: DraftBuffer[] = ["stream", "method", "uri", "header", "body"];
const BUFFER_KEYWORD: Record<DraftBuffer, string> = {
  stream: "",
  method: "http.method",
  uri: "http.uri",
  header: "http.header",
  body: "http.request_body",
};

/** A content string as Suricata reads it: `"`, `;`, `\`, `|` and non-printables as |hex|. */
export function contentText(s: string): string {
  let out = "";
  let inHex = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    const plain = c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x3b && c !== 0x5c && c !== 0x7c;
    if (plain) {
      if (inHex) out += "|";
      inHex = false;
      out += s[i];
    } else {
      out += inHex ? " " : "|";
      inHex = true;
      out += HEX[c >> 4] + HEX[c & 15];
    }
  }
  return inHex ? `${out}|` : out;
}

/** A msg text: letters, digits and a few separators only (nothing a rule parser could trip on). */
function msgText(s: string): string {
  return s.replace(/[^A-Za-z0-9 ._/?=&:,()-]/g, "_").slice(0, 80);
}

function portsText(ports: readonly number[]): string {
  const p = [...new Set(ports)].sort((a, b) => a - b);
  if (p.length === 0 || p.length > MAX_RULE_PORTS) return "any";
  return p.length === 1 ? String(p[0]) : `[${p.join(",")}]`;
}

/** The rule text of a draft. */
export function renderRule(
  input: DraftInput,
  proto: "http" | "tcp" | "udp",
  contents: readonly DraftContent[],
): string {
  const method = contents.find((c) => c.buffer === "method")?.text ?? "";
  const uri = contents.find((c) => c.buffer === "uri")?.text ?? "";
  const ports = [...new Set(input.ports)].sort((a, b) => a - b);
  const what =
    proto === "http"
      ? `${method} ${uri.split("?")[0]}`.trim()
      : `port${ports.length > 1 ? "s" : ""} ${ports.slice(0, 8).join(",")}`;
  const msg = msgText(`PORTENT DRAFT ${input.kind} ${what} (template ${input.templateId})`);
  const opts: string[] = [`msg:"${msg}"`];
  opts.push(proto === "udp" ? "flow:to_server" : "flow:established,to_server");
  for (const b of BUFFER_ORDER) {
    const cs = contents.filter((c) => c.buffer === b);
    if (cs.length === 0) continue;
    if (BUFFER_KEYWORD[b] !== "") opts.push(BUFFER_KEYWORD[b]);
    for (const c of cs) {
      opts.push(`content:"${contentText(c.text)}"`);
      if (c.startswith === true) opts.push("startswith");
      if (c.depth !== undefined) opts.push(`depth:${c.depth}`);
    }
  }
  const classtype =
    proto === "http" || input.kind === "telnet" ? "attempted-admin" : "misc-activity";
  opts.push(`classtype:${classtype}`, `sid:${input.sid}`, "rev:1");
  opts.push(`metadata:created_at ${input.date}, portent_template ${input.templateId}`);
  return `alert ${proto} any any -> $HOME_NET ${portsText(input.ports)} (${opts.join("; ")};)`;
}
