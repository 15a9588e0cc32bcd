/** @module Suricata EVE JSON `alert` records, so SIEM pipelines built for Suricata take Portent's alerts. */

import type { Alert } from "../../schema/detection.js";
import type { Session } from "../../schema/session.js";
import { ipv6ToBigInt } from "./addresses.js";

const PROTO: Record<Alert["proto"], string> = {
  tcp: "TCP",
  udp: "UDP",
  icmp: "ICMP",
  icmpv6: "IPv6-ICMP",
};

/** EVE's timestamp: local-style ISO-8601 with microseconds and a +0000 offset. */
export function eveTimestamp(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString();
  const micro = String(Math.floor(us) % 1_000_000).padStart(6, "0");
  return `${iso.slice(0, 19)}.${micro}+0000`;
}

/** IPv6 in Suricata's EVE form: eight 4-digit groups; IPv4 unchanged. */
export function eveAddress(a: string): string {
  if (!a.includes(":")) return a;
  const n = ipv6ToBigInt(a);
  if (n === undefined) return a;
  const hex = n.toString(16).padStart(32, "0");
  return hex.match(/.{4}/g)!.join(":");
}

/** A stable EVE flow_id from a session id (the first 52 bits, so it stays a safe integer). */
function flowId(sessionId: string): number | undefined {
  if (!/^[0-9a-f]{13,}$/i.test(sessionId)) return undefined;
  return Number.parseInt(sessionId.slice(0, 13), 16);
}

function header(h: Array<[string, string]>, name: string): string | undefined {
  for (const [n, v] of h) if (n.toLowerCase() === name) return v;
  return undefined;
}

/**
 * The EVE `alert` record of an alert: timestamp, flow_id, addresses, proto, alert.* (action,
 * gid, signature_id, rev, signature, category, severity, metadata) and, when the alert is on an
 * HTTP transaction of `s`, tx_id, app_proto and the `http` object Suricata logs.
 */
export function eveAlert(a: Alert, s?: Session): Record<string, unknown> {
  const rec: Record<string, unknown> = { timestamp: eveTimestamp(a.ts) };
  const fid = flowId(a.sessionId);
  if (fid !== undefined) rec.flow_id = fid;
  rec.event_type = "alert";
  rec.src_ip = eveAddress(a.src);
  rec.src_port = a.sport;
  rec.dest_ip = eveAddress(a.dst);
  rec.dest_port = a.dport;
  rec.proto = PROTO[a.proto];
  if (s !== undefined && s.id === a.sessionId) {
    rec.direction = a.src === s.src && a.sport === s.sport ? "to_server" : "to_client";
  }
  const req = s?.http?.requests[a.httpIndex];
  if (req !== undefined) rec.tx_id = a.httpIndex;
  const alert: Record<string, unknown> = {
    action: "allowed",
    gid: a.rule.gid,
    signature_id: a.rule.sid,
    rev: a.rule.rev,
    signature: a.rule.msg,
    category: a.rule.category,
    severity: a.rule.priority,
  };
  if (Object.keys(a.rule.metadata).length > 0) alert.metadata = a.rule.metadata;
  rec.alert = alert;
  if (s?.http !== undefined) rec.app_proto = "http";
  if (req !== undefined && s !== undefined) {
    const res = s.http?.responses[a.httpIndex];
    const http: Record<string, unknown> = {};
    const host = header(req.headers, "host");
    if (host !== undefined) http.hostname = host.replace(/:\d+$/, "");
    http.url = req.target;
    const ua = header(req.headers, "user-agent");
    if (ua !== undefined) http.http_user_agent = ua;
    const ct = res === undefined ? undefined : header(res.headers, "content-type");
    if (ct !== undefined) http.http_content_type = ct;
    const ref = header(req.headers, "referer");
    if (ref !== undefined) http.http_refer = ref;
    http.http_method = req.method;
    if (req.version !== "") http.protocol = req.version;
    if (res !== undefined) {
      http.status = res.status;
      const loc = header(res.headers, "location");
      if (loc !== undefined) http.redirect = loc;
      http.length = res.body.length;
    }
    rec.http = http;
  }
  return rec;
}
