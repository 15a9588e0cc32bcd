/** @module Address keys of socket endpoints, in the form the decoder gives captured packets. */

import { isIPv4, isIPv6 } from "node:net";
import { parseIpv4 } from "../../analyse/networks.js";

/**
 * The text and key of a socket address: IPv4 (also when a dual-stack socket shows it as
 * `::ffff:a.b.c.d`) as a dotted quad and an unsigned number, IPv6 as its canonical text (Node
 * prints RFC 5952 text, as the decoder does). Undefined when the socket has no address any more.
 */
export function endpointKey(
  address: string | undefined,
): { text: string; key: number | string } | undefined {
  if (address === undefined || address === "") return undefined;
  let a = address;
  if (a.startsWith("::ffff:") && isIPv4(a.slice(7))) a = a.slice(7);
  if (isIPv4(a)) {
    const n = parseIpv4(a);
    return n === null ? undefined : { text: a, key: n };
  }
  if (isIPv6(a)) {
    const t = a.toLowerCase();
    return { text: t, key: t };
  }
  return undefined;
}

/** True for loopback addresses (127.0.0.0/8, ::1, and IPv4-mapped loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.startsWith("::ffff:") ? address.slice(7) : address;
  return a === "::1" || (isIPv4(a) && a.startsWith("127."));
}
