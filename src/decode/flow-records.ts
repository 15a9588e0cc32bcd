/** @module The records a flow becomes: Session or Probe, with address text, id and HTTP. */

import type { Anomalies } from "../schema/anomalies.js";
import type { CloseReason, Probe, Session } from "../schema/session.js";
import { ipv4ToString } from "./decoded.js";
import type { FlowStore } from "./flow-store.js";
import * as store from "./flow-store.js";
import {
  looksLikeHttpRequest,
  MALFORMED_PROBLEMS,
  parseHttpRequests,
  parseHttpResponses,
  startsLikeResponse,
} from "./http.js";
import type { StreamResult } from "./reassembly.js";
import { sessionId } from "./session-id.js";

// Flags as this module's own bindings: V8 folds those into compiled code, but reads an imported
// binding through a cell, with a check that it is initialised, at every use.
const { F_CLIENT_A, F_HANDSHAKE, F_V6 } = store;

const EMPTY_RESULT: StreamResult = {
  bytes: new Uint8Array(0),
  total: 0,
  gaps: 0,
  holes: 0,
  holeOffsets: [],
  truncated: false,
};

const TEXT_CACHE = 1 << 16;

/**
 * Dotted-quad text of IPv4 addresses through a small direct-mapped cache: a honeypot sees few
 * destination addresses and scanners send many packets each, so most records reuse a string.
 */
export class Ipv4Text {
  private readonly keys = new Int32Array(TEXT_CACHE);
  private readonly texts: Array<string | undefined> = new Array(TEXT_CACHE).fill(undefined);

  get(a: number): string {
    const i = (Math.imul(a, 0x9e3779b1) >>> 16) & (TEXT_CACHE - 1);
    const t = this.texts[i];
    if (t !== undefined && this.keys[i] === (a | 0)) return t;
    const s = ipv4ToString(a);
    this.keys[i] = a | 0;
    this.texts[i] = s;
    return s;
  }
}

/**
 * Parses the session's bytes as HTTP when the client's look like a request, and counts
 * `http_malformed` / `http_truncated` (once per session) where requests have such problems.
 */
export function attachHttp(s: Session, anomalies: Anomalies, file: string, offset: number): void {
  if (!looksLikeHttpRequest(s.clientBytes)) return;
  const requests = parseHttpRequests(s.clientBytes);
  const responses = startsLikeResponse(s.serverBytes)
    ? parseHttpResponses(
        s.serverBytes,
        requests.map((r) => r.method),
      )
    : [];
  s.http = { requests, responses };
  let malformed = "";
  let truncated = false;
  for (const r of requests) {
    for (const p of r.problems) {
      if (p === "truncated") truncated = true;
      else if (malformed === "" && MALFORMED_PROBLEMS.has(p)) malformed = p;
    }
  }
  if (malformed !== "") anomalies.add("http_malformed", file, offset, `${malformed} in ${s.id}`);
  if (truncated) anomalies.add("http_truncated", file, offset, `request cut short in ${s.id}`);
}

/**
 * Turns a flow's row into its Session or Probe: address text, stream results, the id, HTTP, and
 * the anomalies only known at close (gaps, truncation, malformed HTTP).
 */
export class RecordBuilder {
  private readonly text = new Ipv4Text();
  private readonly fingerprints: string[] = [""];
  private readonly fpIds = new Map<string, number>();
  private lastFp = "";
  private lastFpId = 0;

  constructor(
    private readonly st: FlowStore,
    private readonly anomalies: Anomalies,
    private readonly fileName: (fileIndex: number) => string,
  ) {}

  /** The small id of a fingerprint name; names are a closed, small set (65535 at most). */
  fingerprintId(name: string): number {
    if (name === this.lastFp) return this.lastFpId;
    let id = this.fpIds.get(name);
    if (id === undefined) {
      if (this.fingerprints.length > 0xffff) return 0;
      id = this.fingerprints.length;
      this.fingerprints.push(name);
      this.fpIds.set(name, id);
    }
    this.lastFp = name;
    this.lastFpId = id;
    return id;
  }

  // Endpoint facts set by `endpoint` (scratch fields rather than a tuple: probes are many).
  private eKey: number | string = 0;
  private eText = "";
  private ePort = 0;

  /** Sets eKey/eText/ePort to endpoint A (`a` true) or B of flow `f`. */
  private endpoint(f: number, a: boolean): void {
    const st = this.st;
    const ports = st.ports[f] as number;
    this.ePort = a ? ports >>> 16 : ports & 0xffff;
    if ((st.flags[f] as number) & F_V6) {
      const x = st.extra(f);
      const t = a ? x.text6A : x.text6B;
      this.eKey = t;
      this.eText = t;
    } else {
      const n = (a ? st.addrA[f] : st.addrB[f]) as number;
      this.eKey = n;
      this.eText = this.text.get(n);
    }
  }

  session(f: number, close: CloseReason): Session {
    const st = this.st;
    const fl = st.flags[f] as number;
    const clientA = (fl & F_CLIENT_A) !== 0;
    this.endpoint(f, clientA);
    const srcKey = this.eKey;
    const src = this.eText;
    const sport = this.ePort;
    this.endpoint(f, !clientA);
    const dstKey = this.eKey;
    const dst = this.eText;
    const dport = this.ePort;
    const proto = st.proto[f] === 6 ? "tcp" : "udp";
    const start = st.start[f] as number;
    const x = st.extra(f);
    const c = x.cStream?.finish() ?? EMPTY_RESULT;
    const s = x.sStream?.finish() ?? EMPTY_RESULT;
    const session: Session = {
      id: sessionId(proto, start, srcKey, sport, dstKey, dport),
      proto,
      src,
      srcKey,
      sport,
      dst,
      dstKey,
      dport,
      start,
      end: st.end[f] as number,
      clientBytes: c.bytes,
      clientBytesTotal: c.total,
      serverBytes: s.bytes,
      serverBytesTotal: s.total,
      clientPackets: st.cPkts[f] as number,
      serverPackets: st.sPkts[f] as number,
      handshake: (fl & F_HANDSHAKE) !== 0,
      gaps: c.gaps,
      truncated: c.truncated || s.truncated,
      close,
      fingerprint: this.fingerprints[st.fpId[f] as number] ?? "",
      ttl: st.ttl[f] as number,
      window: st.window[f] as number,
    };
    const file = this.fileName(st.fileIndex[f] as number);
    const offset = st.offset[f] as number;
    const holes = c.holes + s.holes;
    if (holes > 0) {
      const detail = `${c.gaps + s.gaps} bytes never received in session ${session.id}`;
      this.anomalies.add("tcp_gap", file, offset, detail, holes);
    }
    const cut = (c.truncated ? 1 : 0) + (s.truncated ? 1 : 0);
    if (cut > 0) {
      const detail = `${c.total} client / ${s.total} server bytes in session ${session.id}`;
      this.anomalies.add("stream_truncated", file, offset, detail, cut);
    }
    if (proto === "tcp") attachHttp(session, this.anomalies, file, offset);
    return session;
  }

  /** The destination port of flow `f`'s probe, without building the record. */
  probePort(f: number): number {
    const st = this.st;
    const fl = st.flags[f] as number;
    const clientSeen = st.cPkts[f] !== 0;
    const dstIsA = ((fl & F_CLIENT_A) !== 0) !== clientSeen;
    const ports = st.ports[f] as number;
    return dstIsA ? ports >>> 16 : ports & 0xffff;
  }

  probe(f: number): Probe {
    const st = this.st;
    const fl = st.flags[f] as number;
    // With no client packet at all (backscatter), the probe describes what the server side sent.
    const clientSeen = st.cPkts[f] !== 0;
    const srcIsA = ((fl & F_CLIENT_A) !== 0) === clientSeen;
    this.endpoint(f, srcIsA);
    const srcKey = this.eKey;
    const src = this.eText;
    const sport = this.ePort;
    this.endpoint(f, !srcIsA);
    return {
      proto: st.proto[f] === 6 ? "tcp" : "udp",
      src,
      srcKey,
      sport,
      dst: this.eText,
      dport: this.ePort,
      ts: st.start[f] as number,
      packets: (clientSeen ? st.cPkts[f] : st.sPkts[f]) as number,
      fingerprint: this.fingerprints[st.fpId[f] as number] ?? "",
      ttl: st.ttl[f] as number,
      window: st.window[f] as number,
      ipId: st.ipId[f] as number,
      seq: st.seq[f] as number,
      tcpOptionsLen: st.optLen[f] as number,
    };
  }
}
