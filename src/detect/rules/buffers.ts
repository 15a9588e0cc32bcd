/** @module The inspection buffers rules can name: sticky buffers, legacy modifiers, pcre flags. */

/**
 * Which side of an HTTP transaction a buffer reads. `both` buffers read the request for
 * to_server rules and the response for to_client rules; `payload` is the stream (or packet)
 * payload; `base64` is what the rule's last base64_decode produced; `dns` the DNS query name.
 */
export type BufferSide = "payload" | "request" | "response" | "both" | "base64" | "dns";

export interface BufferDef {
  /** Index into BUFFERS. */
  id: number;
  /** Canonical (Suricata 6+) name, e.g. "http.uri". */
  name: string;
  side: BufferSide;
  /** Header whose value is the buffer, for the plain header-value buffers. */
  header?: { request?: string; response?: string };
}

type Spec = [name: string, side: BufferSide, header?: BufferDef["header"]];

const SPECS: Spec[] = [
  ["payload", "payload"],
  ["http.method", "request"],
  ["http.uri", "request"],
  ["http.uri.raw", "request"],
  ["http.header", "both"],
  ["http.header.raw", "both"],
  ["http.cookie", "both", { request: "cookie", response: "set-cookie" }],
  ["http.user_agent", "request", { request: "user-agent" }],
  ["http.host", "request"],
  ["http.host.raw", "request"],
  ["http.request_body", "request"],
  ["http.response_body", "response"],
  ["file.data", "both"],
  ["http.stat_code", "response"],
  ["http.stat_msg", "response"],
  ["http.content_type", "both", { request: "content-type", response: "content-type" }],
  ["http.content_len", "both", { request: "content-length", response: "content-length" }],
  ["http.referer", "request", { request: "referer" }],
  ["http.connection", "both", { request: "connection", response: "connection" }],
  ["http.accept", "request", { request: "accept" }],
  ["http.accept_enc", "request", { request: "accept-encoding" }],
  ["http.accept_lang", "request", { request: "accept-language" }],
  ["http.location", "response", { response: "location" }],
  ["http.server", "response", { response: "server" }],
  ["http.protocol", "both"],
  ["http.start", "both"],
  ["http.request_line", "request"],
  ["http.response_line", "response"],
  ["http.header_names", "both"],
  ["base64_data", "base64"],
  ["dns.query", "dns"],
];

export const BUFFERS: readonly BufferDef[] = SPECS.map(([name, side, header], id) =>
  header === undefined ? { id, name, side } : { id, name, side, header },
);

export const PAYLOAD = 0;

/** The buffer of a canonical name (throws for an unknown one: a programming error). */
export function byName(name: string): BufferDef {
  const b = BUFFERS.find((x) => x.name === name);
  if (b === undefined) throw new Error(`no buffer ${name}`);
  return b;
}

/** Keywords that switch the sticky buffer: the canonical names plus older aliases. */
export const STICKY: ReadonlyMap<string, BufferDef> = new Map<string, BufferDef>([
  ...BUFFERS.filter((b) => b.name !== "payload").map((b) => [b.name, b] as [string, BufferDef]),
  ["pkt_data", byName("payload")],
  ["file_data", byName("file.data")],
  ["http_header_names", byName("http.header_names")],
  ["http_request_line", byName("http.request_line")],
  ["http_response_line", byName("http.response_line")],
  ["http_accept", byName("http.accept")],
  ["http_accept_enc", byName("http.accept_enc")],
  ["http_accept_lang", byName("http.accept_lang")],
  ["http_referer", byName("http.referer")],
  ["http_content_type", byName("http.content_type")],
  ["http_content_len", byName("http.content_len")],
  ["http_start", byName("http.start")],
  ["http_protocol", byName("http.protocol")],
  ["http_connection", byName("http.connection")],
  ["http_location", byName("http.location")],
  ["http_server", byName("http.server")],
  ["dns_query", byName("dns.query")],
]);

/** Content modifiers of Suricata 4 that move the previous content into a buffer. */
export const LEGACY: ReadonlyMap<string, BufferDef> = new Map<string, BufferDef>([
  ["http_method", byName("http.method")],
  ["http_uri", byName("http.uri")],
  ["http_raw_uri", byName("http.uri.raw")],
  ["http_header", byName("http.header")],
  ["http_raw_header", byName("http.header.raw")],
  ["http_cookie", byName("http.cookie")],
  ["http_user_agent", byName("http.user_agent")],
  ["http_host", byName("http.host")],
  ["http_raw_host", byName("http.host.raw")],
  ["http_client_body", byName("http.request_body")],
  ["http_server_body", byName("http.response_body")],
  ["http_stat_code", byName("http.stat_code")],
  ["http_stat_msg", byName("http.stat_msg")],
]);

/** Suricata's pcre buffer modifiers (letters after the closing slash). */
export const PCRE_BUFFERS: ReadonlyMap<string, BufferDef> = new Map<string, BufferDef>([
  ["U", byName("http.uri")],
  ["I", byName("http.uri.raw")],
  ["H", byName("http.header")],
  ["D", byName("http.header.raw")],
  ["M", byName("http.method")],
  ["C", byName("http.cookie")],
  ["S", byName("http.stat_code")],
  ["Y", byName("http.stat_msg")],
  ["P", byName("http.request_body")],
  ["Q", byName("file.data")],
  ["V", byName("http.user_agent")],
  ["W", byName("http.host")],
  ["Z", byName("http.host.raw")],
]);

/** Whether a buffer belongs to HTTP (its presence makes a rule a per-transaction rule). */
export function isHttp(b: BufferDef): boolean {
  return b.side === "request" || b.side === "response" || b.side === "both";
}
