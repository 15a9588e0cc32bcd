/** @module Counted anomalies: malformed or unusual input that is recorded, never thrown. */

/** Where an anomaly of one kind was first seen. */
export interface AnomalyFirst {
  file: string;
  offset: number;
  detail: string;
}

/** The closed catalogue of anomaly kinds; docs/anomalies.md describes each. */
export const ANOMALY_KINDS = [
  // capture layer
  "truncated_record",
  "truncated_header",
  "record_too_large",
  "caplen_above_snaplen",
  "unknown_link_type",
  "corrupt_block",
  "unknown_block",
  "bad_interface_id",
  "gzip_error",
  "read_error",
  // decode layer
  "truncated_packet",
  "bad_ip_header",
  "bad_ip_version",
  "ip_fragment",
  "bad_tcp_header",
  "bad_udp_header",
  "bad_icmp",
  "unsupported_tunnel",
  "unsupported_ethertype",
  "tunnel_too_deep",
  "ipv6_ext_header_loop",
  "vlan_too_deep",
  "decoder_error",
  // streams
  "tcp_overlap_mismatch",
  "tcp_gap",
  "stream_truncated",
  "flow_evicted",
  // application
  "http_malformed",
  "http_truncated",
] as const;

export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** Called once per (kind, file) the first time it is seen, for the one-line stderr warning. */
export type AnomalyWarner = (kind: AnomalyKind, first: AnomalyFirst) => void;

/**
 * Counts anomalies by kind and remembers the first occurrence of each. Cheap to call on the hot
 * path: a counter increment after the first time.
 */
export class Anomalies {
  readonly counts = new Map<AnomalyKind, number>();
  readonly first = new Map<AnomalyKind, AnomalyFirst>();
  private readonly warned = new Set<string>();

  constructor(private readonly warn: AnomalyWarner | undefined = undefined) {}

  add(kind: AnomalyKind, file: string, offset: number, detail = "", n = 1): void {
    const c = this.counts.get(kind);
    if (c !== undefined) {
      this.counts.set(kind, c + n);
    } else {
      this.counts.set(kind, n);
      this.first.set(kind, { file, offset, detail });
    }
    if (this.warn !== undefined) {
      const key = `${kind}\u0000${file}`;
      if (!this.warned.has(key)) {
        this.warned.add(key);
        this.warn(kind, { file, offset, detail });
      }
    }
  }

  get(kind: AnomalyKind): number {
    return this.counts.get(kind) ?? 0;
  }

  total(): number {
    let t = 0;
    for (const v of this.counts.values()) t += v;
    return t;
  }

  /** Counts by kind, sorted by kind, as the report's `input.anomalies`. */
  toCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.counts.keys()].sort()) out[k] = this.counts.get(k) ?? 0;
    return out;
  }

  /** First occurrences by kind, as the report's `input.anomalyFirst`. */
  toFirst(): Record<string, AnomalyFirst> {
    const out: Record<string, AnomalyFirst> = {};
    for (const k of [...this.first.keys()].sort()) {
      const f = this.first.get(k);
      if (f !== undefined) out[k] = f;
    }
    return out;
  }
}
