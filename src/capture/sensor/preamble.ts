/** @module The sensor's side of `portent replay --proxy-protocol`: a preamble becomes endpoints. */

import type { PreambleResult } from "./connection.js";
import { endpointKey } from "./endpoint.js";
import { parsePreamble } from "./proxy-protocol.js";

/**
 * Reads a PROXY v1 line (and PORTENT-TS) at the start of a loopback connection: the session is
 * recorded under the original source, destination, ports and time the replayed capture holds.
 */
export function replayPreamble(bytes: Uint8Array, complete: boolean): PreambleResult {
  const p = parsePreamble(bytes, complete);
  if (p === undefined) return { kind: "more" };
  if (p === "invalid") return { kind: "invalid", reason: "not a PROXY v1 preamble" };
  const src = endpointKey(p.proxy.src);
  const dst = endpointKey(p.proxy.dst);
  if (src === undefined || dst === undefined) {
    return { kind: "invalid", reason: "PROXY line with unusable addresses" };
  }
  return {
    kind: "done",
    consumed: p.length,
    endpoints: {
      src: src.text,
      srcKey: src.key,
      sport: p.proxy.sport,
      dst: dst.text,
      dstKey: dst.key,
      dport: p.proxy.dport,
      ...(p.ts !== undefined ? { start: p.ts } : {}),
    },
  };
}
