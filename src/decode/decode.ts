/** @module The packet decoder's entry point: link, IP, tunnels and transport of one frame. */

import type { Anomalies } from "../schema/anomalies.js";
import type { RawPacket } from "../schema/raw-packet.js";
import type { DecodedPacket } from "./decoded.js";
import * as decoded from "./decoded.js";
import type { IpResult } from "./ip.js";
import * as ip from "./ip.js";
import * as linkLayer from "./link.js";
import * as state from "./state.js";
import { DecodeState, type Next } from "./state.js";
import * as transportLayer from "./transport.js";
import * as tunnel from "./tunnel.js";

export { decodeStats, resetDecodeStats } from "./link.js";

// The layers and constants of the per-packet walk as this module's own bindings: V8 folds a
// module's unexported constants and functions into compiled code, but reads an imported binding
// through a cell, with a check that it is initialised, at every use.
const { IPPROTO_GRE, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } = decoded;
const { decodeIpv4, decodeIpv6, IP_FAIL, IP_PAYLOAD } = ip;
const { decodeEthernet, decodeLink } = linkLayer;
const { NEXT_ETHERNET, NEXT_IPV4, NEXT_IPV6, NEXT_NONE } = state;
const { decodeIcmp, decodeTcp, decodeUdp } = transportLayer;
const { decodeGre, decodeVxlan, VXLAN_PORT } = tunnel;

/** Tunnels nested deeper than this are not peeled (`tunnel_too_deep`); the last layer reached stays. */
const TUNNEL_DEPTH = 4;
export const MAX_TUNNEL_DEPTH = TUNNEL_DEPTH;

const IPPROTO_IPIP = 4;
const IPPROTO_IPV6 = 41;

/** The one walk state every call reuses: decoding allocates nothing but IPv6 address text. */
const st = new DecodeState();

/**
 * Decodes one frame into `out` (calls out.reset() first, then sets ts/offset/fileIndex/wireLen/
 * data from raw). Returns false when no usable IP layer was found; anomalies are counted with
 * the file name and raw.offset. Never throws.
 *
 * When the reader says where the frame lies in its buffer (`raw.frame`), `out.data` is that
 * buffer and the payload offset counts from its start; otherwise `out.data` is `raw.data`.
 *
 * Tunnels are peeled to the innermost packet; `tunnelDepth` counts the encapsulations crossed
 * (GRE with or without ERSPAN counts one, as do VXLAN and IP-in-IP). When an inner layer cannot
 * be decoded (an unsupported GRE payload, a non-IP inner frame, a broken inner header), the
 * last IP layer that was decoded stays the result, with its transport facts.
 */
export function decodePacket(
  raw: RawPacket,
  out: DecodedPacket,
  anomalies: Anomalies,
  fileName: string,
): boolean {
  out.reset();
  out.ts = raw.ts;
  out.offset = raw.offset;
  out.fileIndex = raw.fileIndex;
  out.wireLen = raw.origLen;
  const frame = raw.frame;
  if (frame !== undefined) {
    // Decoding reads the reader's buffer in place: `raw.data` would be a new view per packet.
    const start = raw.frameStart ?? 0;
    // Only when it changes, once per chunk: see ReaderPacket.place.
    if (out.data !== frame) out.data = frame;
    st.begin(frame, start, start + (raw.caplen ?? 0), raw.origLen, anomalies, fileName, raw.offset);
  } else {
    const data = raw.data;
    out.data = data;
    st.begin(data, 0, data.length, raw.origLen, anomalies, fileName, raw.offset);
  }
  try {
    return walk(raw.linkType, out);
  } catch {
    // Unreachable by design (every read is bounds-checked); the guard keeps the promise that a
    // bug in a decoder costs one counted packet, not the run.
    st.anomaly("decoder_error");
    return out.ipVersion !== 0;
  }
}

function walk(linkType: number, out: DecodedPacket): boolean {
  let next = decodeLink(st, linkType, out);
  let found = false;
  for (let depth = 0; ; depth++) {
    if (next === NEXT_ETHERNET) next = decodeEthernet(st, out);
    let r: IpResult;
    if (next === NEXT_IPV4) r = decodeIpv4(st, out, depth);
    else if (next === NEXT_IPV6) r = decodeIpv6(st, out, depth);
    else return found;
    if (r === IP_FAIL) return found;
    found = true;
    if (r !== IP_PAYLOAD) return true;
    next = transport(out);
    if (next === NEXT_NONE) return true;
    if (depth + 1 > TUNNEL_DEPTH) {
      st.anomaly("tunnel_too_deep");
      return true;
    }
  }
}

/** Decodes what follows an IP header and says which inner layer a tunnel holds, if any. */
function transport(out: DecodedPacket): Next {
  switch (out.proto) {
    case IPPROTO_TCP:
      decodeTcp(st, out);
      return NEXT_NONE;
    case IPPROTO_UDP:
      decodeUdp(st, out);
      if (out.dport === VXLAN_PORT && !st.c.bad) return decodeVxlan(st);
      return NEXT_NONE;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
      decodeIcmp(st, out);
      return NEXT_NONE;
    case IPPROTO_GRE:
      return decodeGre(st);
    case IPPROTO_IPIP:
      return NEXT_IPV4;
    case IPPROTO_IPV6:
      return NEXT_IPV6;
    default:
      return NEXT_NONE;
  }
}
