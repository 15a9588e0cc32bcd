/** @module The query name of a DNS query message, for the dns.query buffer. */

/** Most labels read from a name (a bound for crafted input). */
const MAX_LABELS = 64;

/**
 * The first question's name ("www.example.com") of a DNS query in `b` (over TCP after the 2-byte
 * length), or undefined when the bytes are not a DNS query. Compression pointers are not
 * followed: a question name never needs one.
 */
export function parseDnsQuery(b: Uint8Array, tcp: boolean): string | undefined {
  const base = tcp ? 2 : 0;
  if (b.length < base + 12) return undefined;
  const flags = (b[base + 2] as number) >> 7;
  const qd = ((b[base + 4] as number) << 8) | (b[base + 5] as number);
  if (flags !== 0 || qd === 0) return undefined;
  let i = base + 12;
  const labels: string[] = [];
  for (let n = 0; n < MAX_LABELS; n++) {
    if (i >= b.length) return undefined;
    const len = b[i] as number;
    if (len === 0) return labels.join(".");
    if (len > 63 || i + 1 + len > b.length) return undefined;
    let s = "";
    for (let k = 0; k < len; k++) s += String.fromCharCode(b[i + 1 + k] as number);
    labels.push(s);
    i += 1 + len;
  }
  return undefined;
}
