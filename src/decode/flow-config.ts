/** @module The flow table's configuration, its defaults, its sink and its counters. */

import type { Probe, Session } from "../schema/session.js";

export interface FlowConfig {
  /** Client-to-server bytes kept per connection. */
  clientCap: number;
  /** Server-to-client bytes kept per connection. */
  serverCap: number;
  /** Buffered bytes (both directions, out-of-order included) over all flows before LRU eviction. */
  memoryCap: number;
  /** Concurrent flows before LRU eviction. */
  maxFlows: number;
  /** Idle time (µs, capture time) after which a flow that carried data is closed. */
  tcpIdleTimeout: number;
  /** Idle time (µs) for TCP flows that never carried data (SYN-only probes, bare handshakes). */
  synTimeout: number;
  /** Idle time (µs) for UDP flows. */
  udpTimeout: number;
  /** Time (µs) a flow stays after FIN from both sides or RST, for late retransmissions. */
  closeLinger: number;
}

export const DEFAULT_FLOW_CONFIG: Readonly<FlowConfig> = Object.freeze({
  clientCap: 65536,
  serverCap: 16384,
  memoryCap: 256 * 1024 * 1024,
  maxFlows: 1_000_000,
  tcpIdleTimeout: 300e6,
  synTimeout: 30e6,
  udpTimeout: 60e6,
  closeLinger: 5e6,
});

export interface FlowSink {
  session(s: Session): void;
  /**
   * Called once per probe with its protocol number (6 or 17) and server port. Cheap: nothing is
   * allocated. Counters use this; `probe` is for consumers that need the whole record.
   */
  probeCounted?(proto: number, dport: number): void;
  /** Called with the full Probe record; leave it out when not needed (it allocates). */
  probe?(p: Probe): void;
}

export interface FlowStats {
  /** Flows open now. */
  active: number;
  peakActive: number;
  created: number;
  /** Flows closed by an idle timeout. */
  timedOut: number;
  /** Flows closed early to respect memoryCap or maxFlows (each also counted as flow_evicted). */
  evicted: number;
  /** Flows closed because a new SYN reused their tuple. */
  reused: number;
  sessions: number;
  probes: number;
  /** Reassembly bytes held now, and at most. */
  bufferedBytes: number;
  peakBufferedBytes: number;
}
