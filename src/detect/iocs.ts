/**
 * @module IoCs of a session (docs/campaigns.md): URLs, addresses, domains, dropped file names,
 * injected commands and downloader hosts, from decoded HTTP fields, telnet lines or raw bytes.
 * Bounded work per session; never throws.
 */

import { latin1 } from "../decode/http-message.js";
import type { Ioc } from "../schema/detection.js";
import type { HttpRequest, Session } from "../schema/session.js";
import { IocSink, scanAddresses, scanUrls } from "./ioc-scan.js";
import { scanCommands } from "./ioc-shell.js";
import { looksLikeTelnet, telnetDialogue } from "./template-telnet.js";
import { looksLikeShell, percentDecode } from "./template-values.js";

/** Bytes of a body or a raw payload read for IoCs. */
export const MAX_IOC_BYTES = 64 * 1024;
/** Requests of a session read for IoCs. */
export const MAX_IOC_REQUESTS = 8;
/** Query or form parameters read per request. */
export const MAX_IOC_PARAMS = 64;

/** Headers that name the sensor or the page visited, not the attacker's infrastructure. */
const SKIP_HEADERS = new Set(["host", "referer", "origin", "x-forwarded-for", "x-real-ip"]);

/** The IoCs of a session, deduplicated, at most MAX_IOCS_PER_SESSION. */
export function extractIocs(s: Session): Ioc[] {
  const sink = new IocSink(s.dst);
  try {
    const reqs = s.http?.requests;
    if (reqs !== undefined && reqs.length > 0) {
      const n = Math.min(reqs.length, MAX_IOC_REQUESTS);
      for (let i = 0; i < n; i++) httpIocs(reqs[i] as HttpRequest, sink);
    } else if (s.proto === "tcp" && looksLikeTelnet(s)) {
      const d = telnetDialogue(s);
      for (let i = d.credentialLines; i < d.lines.length; i++) {
        const line = (d.lines[i] as string).trim();
        if (line === "") continue;
        if (scanCommands(line, sink, true) === 0) sink.add("command", line.slice(0, 512));
        scanUrls(line, sink, false);
        scanAddresses(line, sink);
      }
    } else {
      const b = s.clientBytes;
      const text = latin1(b, 0, Math.min(b.length, MAX_IOC_BYTES));
      // Control bytes end lines: a binary protocol's strings become separate lines.
      piece(text.replace(/[^\x20-\x7e\t]+/g, "\n"), sink);
    }
  } catch {
    // Attacker bytes must never stop the pipeline: whatever was found so far is kept.
  }
  return sink.list;
}

/** One piece of decoded text: commands, URLs, addresses; decoded once more when still encoded. */
function piece(text: string, sink: IocSink, depth = 0): void {
  if (text === "") return;
  if (looksLikeShell(text)) scanCommands(text, sink, false);
  // Cheap gates: URLs need "://", addresses and names a '.' or ':', escapes a '%'.
  if (text.includes("://")) scanUrls(text, sink, false);
  if (text.includes(".") || text.includes(":")) scanAddresses(text, sink);
  if (depth < 2 && text.includes("%") && /%[23][0-9a-f]/i.test(text)) {
    const again = percentDecode(text, false);
    if (again !== text) piece(again, sink, depth + 1);
  }
}

/** Query or form text: each parameter's decoded value (a bare part whole) is a piece. */
function formPieces(q: string, sink: IocSink): void {
  const parts = q.split("&", MAX_IOC_PARAMS);
  for (const part of parts) {
    const eq = part.indexOf("=");
    piece(percentDecode(eq < 0 ? part : part.slice(eq + 1), true), sink);
  }
}

function httpIocs(r: HttpRequest, sink: IocSink): void {
  const t = r.target.length > MAX_IOC_BYTES ? r.target.slice(0, MAX_IOC_BYTES) : r.target;
  const q = t.indexOf("?");
  piece(percentDecode(q < 0 ? t : t.slice(0, q), false), sink);
  if (q >= 0) formPieces(t.slice(q + 1), sink);
  let contentType = "";
  for (const [name, value] of r.headers) {
    if (name === "") {
      formPieces(value, sink);
      continue;
    }
    const lower = name.toLowerCase();
    if (lower === "content-type") contentType = value.toLowerCase();
    if (SKIP_HEADERS.has(lower)) continue;
    // Header values yield IoCs only inside an injected command (Shellshock and the like): a
    // crawler's User-Agent URL is not an indicator.
    if (looksLikeShell(value) && scanCommands(value, sink, false) > 0) {
      scanUrls(value, sink, false);
      scanAddresses(value, sink);
    }
  }
  if (r.body.length === 0) return;
  const body = latin1(r.body, 0, Math.min(r.body.length, MAX_IOC_BYTES));
  const first = body.trimStart().charCodeAt(0);
  if (contentType.includes("xml") || first === 0x3c) piece(xmlText(body), sink);
  else if (contentType.includes("form-urlencoded") || /^[\w.\-[\]]{1,64}=/.test(body)) {
    formPieces(body.trim(), sink);
  } else piece(body, sink);
}

/**
 * The text nodes of XML, one per line, with the common entities decoded. A loop, not a regex:
 * `<[^>]*>` backtracks quadratically over a body of unclosed '<'.
 */
function xmlText(xml: string): string {
  let out = "";
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    if (lt < 0) {
      out += xml.slice(i);
      break;
    }
    out += `${xml.slice(i, lt)}\n`;
    const gt = xml.indexOf(">", lt);
    if (gt < 0) break;
    i = gt + 1;
  }
  return out.replace(
    /&(lt|gt|amp|quot|apos|#(\d{1,5})|#x([0-9a-f]{1,4}));/gi,
    (_m, name, dec, hex) => {
      if (dec !== undefined) return String.fromCharCode(Number(dec) & 0xffff);
      if (hex !== undefined) return String.fromCharCode(Number.parseInt(hex, 16));
      return ENTITIES[(name as string).toLowerCase()] ?? "";
    },
  );
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
