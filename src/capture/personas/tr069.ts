/**
 * @module The tr069 persona: the CWMP connection-request port 7547 of a DSL/cable gateway. Three
 * server styles seen there: RomPager 4.07 (404 for plain GETs, the TR-064 `/UD/act?1` SOAP
 * endpoint Mirai abused in November 2016), Broadcom's tr69c (401 Digest realm IgdAuthentication)
 * and gSOAP 2.7 CPE clients (401 Digest, keep-alive).
 */

import { Buffer } from "node:buffer";
import { digestNonce, escapeHtml, type HttpAnswer, soapActionName } from "./http-answer.js";
import { type DeviceRequest, httpPersona } from "./http-persona.js";
import type { Persona, PersonaContext } from "./persona.js";

/** The option choosing the server style. */
export const STYLE_OPTION = "style";
/** The styles, the first being the default. */
export const TR069_STYLES = ["rompager", "tr69c", "gsoap"] as const;
export type Tr069Style = (typeof TR069_STYLES)[number];

export const ROMPAGER_SERVER = "RomPager/4.07 UPnP/1.0";
export const GSOAP_SERVER = "gSOAP/2.7";

/** The style named by the options, or the default when absent or unknown. */
export function tr069Style(options: Readonly<Record<string, string>>): Tr069Style {
  const v = options[STYLE_OPTION];
  return (TR069_STYLES as readonly string[]).includes(v ?? "") ? (v as Tr069Style) : "rompager";
}

/** RomPager's order: type, chunked framing, banner, then an empty `EXT:` (UPnP). */
function rompager(status: number, body: string, type = "text/html"): HttpAnswer {
  return {
    status,
    headers: [
      ["Content-Type", type],
      ["Transfer-Encoding", "chunked"],
      ["Server", ROMPAGER_SERVER],
      ["EXT", ""],
    ],
    body,
    chunked: true,
  };
}

function objectNotFound(path: string): string {
  return `<html>
<head>
<title>Object Not Found</title></head><body>
<h1>Object Not Found</h1>The requested URL '${escapeHtml(path.slice(0, 200))}' was not found on the RomPager server.<p>
Return to <A HREF="">last page</A><p>
</body></html>
`;
}

/** TR-064 actions answered on `/UD/act?1` (SetNTPServers carried the 2016 Mirai payload). */
const TR064_SERVICES: Readonly<Record<string, string>> = {
  SetNTPServers: "urn:dslforum-org:service:Time:1",
  GetSecurityKeys: "urn:dslforum-org:service:WLANConfiguration:1",
  GetInfo: "urn:dslforum-org:service:DeviceInfo:1",
};

function tr064(req: DeviceRequest): HttpAnswer {
  const action = soapActionName(req.header("soapaction") ?? "");
  const service = TR064_SERVICES[action];
  if (service === undefined) return rompager(500, "", 'text/xml; charset="utf-8"');
  const xml = `<?xml version="1.0"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
<SOAP-ENV:Body>
<u:${action}Response xmlns:u="${service}"></u:${action}Response>
</SOAP-ENV:Body>
</SOAP-ENV:Envelope>
`;
  return rompager(200, xml, 'text/xml; charset="utf-8"');
}

function hasDigest(req: DeviceRequest): boolean {
  return /^\s*Digest\s+\S/i.test(req.header("authorization") ?? "");
}

/** tr69c's nonce shape: base64 of three 8-digit hex words, the middle one the time. */
function tr69cNonce(ctx: PersonaContext): string {
  const h = digestNonce(ctx, "IgdAuthentication");
  const t = (Math.floor(ctx.now() / 1000) >>> 0).toString(16).padStart(8, "0");
  return Buffer.from(`${h.slice(0, 8)}:${t}:${h.slice(8, 16)}`, "latin1").toString("base64");
}

function respondTr69c(req: DeviceRequest, ctx: PersonaContext): HttpAnswer {
  if (hasDigest(req)) return { status: 200, headers: [["Content-Length", ""]] };
  const www = `Digest realm="IgdAuthentication", domain="/", nonce="${tr69cNonce(ctx)}", qop="auth", algorithm=MD5`;
  return {
    status: 401,
    headers: [
      ["Www-Authenticate", www],
      ["Content-Length", ""],
    ],
  };
}

function respondGsoap(req: DeviceRequest, ctx: PersonaContext): HttpAnswer {
  const tail: Array<[string, string]> = [
    ["Server", GSOAP_SERVER],
    ["Content-Type", "text/xml; charset=utf-8"],
    ["Content-Length", ""],
    ["Connection", req.keepAlive ? "keep-alive" : "close"],
  ];
  if (hasDigest(req)) return { status: 200, headers: tail };
  const www = `Digest realm="Dimark", qop="auth", nonce="${digestNonce(ctx, "Dimark")}"`;
  return { status: 401, headers: [["WWW-Authenticate", www], ...tail] };
}

function respond(req: DeviceRequest, ctx: PersonaContext): HttpAnswer {
  const style = tr069Style(ctx.options);
  if (style === "tr69c") return respondTr69c(req, ctx);
  if (style === "gsoap") return respondGsoap(req, ctx);
  if (req.method === "POST" && req.path === "/UD/act") return tr064(req);
  if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") {
    return rompager(501, "<html><head><title>Not Implemented</title></head><body></body></html>\n");
  }
  return rompager(404, objectNotFound(req.path));
}

function reject(_status: 400 | 413, ctx: PersonaContext): HttpAnswer {
  const style = tr069Style(ctx.options);
  if (style === "rompager") {
    return {
      ...rompager(400, "<html><head><title>Bad Request</title></head><body></body></html>\n"),
      close: true,
    };
  }
  const headers: Array<[string, string]> = [["Content-Length", ""]];
  if (style === "gsoap") headers.unshift(["Server", GSOAP_SERVER]);
  return { status: 400, headers, close: true };
}

/** TR-069 CWMP connection-request port. */
export const tr069Persona: Persona = httpPersona({
  name: "tr069",
  summary:
    "TR-069 connection-request port 7547 (RomPager 4.07 / tr69c / gSOAP styles; TR-064 /UD/act)",
  ports: [7547],
  options: { [STYLE_OPTION]: `server style: ${TR069_STYLES.join(", ")} (default rompager)` },
  respond,
  reject,
});
