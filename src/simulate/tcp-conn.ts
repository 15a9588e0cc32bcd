/**
 * @module One TCP connection between a remote host and a sensor, emitted packet by packet with
 * consistent sequence numbers, options, IP ids and timing as seen at the sensor.
 *
 * Timing model: the capture point is the sensor, so its answers follow a client packet after a
 * short processing delay, and a client's reaction follows a sensor packet after one round trip.
 */

import { TCP_ACK, TCP_RST, TCP_SYN } from "../decode/decoded.js";
import {
  OPT_LINUX_SYN,
  OPT_MSS,
  OPT_MSS_SACK_WS,
  OPT_NONE,
  OPT_TS,
  OPT_WINDOWS_SYN,
  PROTO_TCP,
} from "./frame-encoder.js";
import { type Host, KERNEL_EMBEDDED, KERNEL_WINDOWS } from "./hosts.js";
import type { PacketQueue } from "./packet-queue.js";
import type { Rng } from "./prng.js";

const EMPTY = new Uint8Array(0);

/** The sensor's stack: a current Linux. */
const SENSOR_TTL = 64;
const SENSOR_SYNACK_WINDOW = 28960;
const SENSOR_WINDOW = 227;
const SENSOR_WSCALE = 7;

/** A reusable connection: call begin() per connection, then emit packets in order. */
export class TcpConn {
  /** Capture time of the next packet, in microseconds. */
  t = 0;
  cSeq = 0;
  sSeq = 0;
  private host!: Host;
  private q!: PacketQueue;
  private rng!: Rng;
  private sensor4 = 0;
  private sensor6: Uint8Array | null = null;
  private cPort = 0;
  private sPort = 0;
  private cIpId = 0;
  private sIpId = 0;
  private timestamps = false;
  private clientOpts = OPT_NONE;
  private lastClientTs = 0;
  private lastSensorTs = 0;

  begin(
    q: PacketQueue,
    rng: Rng,
    t: number,
    host: Host,
    sensor4: number,
    sensor6: Uint8Array | null,
    sPort: number,
    cPort: number,
  ): void {
    this.q = q;
    this.rng = rng;
    this.t = t;
    this.host = host;
    this.sensor4 = sensor4;
    this.sensor6 = sensor6;
    this.sPort = sPort;
    this.cPort = cPort;
    this.cSeq = rng.u32();
    this.sSeq = rng.u32();
    this.cIpId = (host.salt + rng.int(4096)) & 0xffff;
    this.sIpId = rng.u32() & 0xffff;
    this.timestamps = false;
    this.clientOpts = host.kernel === KERNEL_WINDOWS ? OPT_WINDOWS_SYN : OPT_LINUX_SYN;
  }

  /** Time passes on the sensor side (it answers within a fraction of a millisecond). */
  sensorDelay(): this {
    this.t += 40 + this.rng.int(300);
    return this;
  }

  /** The client reacts to a sensor packet: one round trip plus a little think time. */
  clientDelay(thinkUs = 0): this {
    this.t += this.host.rttUs + this.rng.int(2000) + thinkUs;
    return this;
  }

  /** Back-to-back client packets (e.g. the handshake ACK then the request). */
  gap(us: number): this {
    this.t += us;
    return this;
  }

  /** The client's kernel SYN (connect()), with the options of its operating system. */
  syn(): void {
    const f = this.clientFrame(TCP_SYN);
    const h = this.host;
    f.opt = this.clientOpts;
    f.ack = 0;
    f.window = h.kernel === KERNEL_WINDOWS ? 64240 : h.kernel === KERNEL_EMBEDDED ? 5840 : 29200;
    f.wscale = h.kernel === KERNEL_WINDOWS ? 8 : h.kernel === KERNEL_EMBEDDED ? 2 : 7;
    f.tsEcr = 0;
    this.q.push(this.t);
  }

  /** Sets the client's next sequence number (a raw probe fixes it, e.g. Mirai's seq == dst). */
  rawSyn(seq: number, ipId: number, window: number, df: boolean): void {
    this.cSeq = seq >>> 0;
    this.clientOpts = OPT_NONE;
    const f = this.clientFrame(TCP_SYN);
    f.opt = OPT_NONE;
    f.ack = 0;
    f.ipId = ipId & 0xffff;
    f.df = df;
    f.window = window & 0xffff;
    this.q.push(this.t);
  }

  /** The sensor accepts: SYN-ACK whose options mirror what the SYN offered. */
  synAck(): void {
    const f = this.sensorFrame(TCP_SYN | TCP_ACK);
    f.ipId = 0;
    f.window = SENSOR_SYNACK_WINDOW;
    f.wscale = SENSOR_WSCALE;
    f.ack = (this.cSeq + 1) >>> 0;
    if (this.clientOpts === OPT_LINUX_SYN) {
      f.opt = OPT_LINUX_SYN;
      this.timestamps = true;
    } else {
      f.opt = this.clientOpts === OPT_WINDOWS_SYN ? OPT_MSS_SACK_WS : OPT_MSS;
    }
    this.q.push(this.t);
    // both SYNs are now acknowledged (or will be): later segments count from ISN + 1
    this.cSeq = (this.cSeq + 1) >>> 0;
    this.sSeq = (this.sSeq + 1) >>> 0;
  }

  /** The sensor sends its SYN-ACK again (the first one went unanswered). */
  retransmitSynAck(): void {
    this.cSeq = (this.cSeq - 1) >>> 0;
    this.sSeq = (this.sSeq - 1) >>> 0;
    this.synAck();
  }

  /** The sensor refuses (closed port): RST|ACK with sequence 0. */
  refuse(): void {
    const f = this.sensorFrame(TCP_RST | TCP_ACK);
    f.ipId = 0;
    f.seq = 0;
    f.ack = (this.cSeq + 1) >>> 0;
    f.window = 0;
    f.opt = OPT_NONE;
    this.q.push(this.t);
  }

  /** A client packet after the handshake (SYN/FIN consume one sequence number). */
  c(flags: number, payload: Uint8Array = EMPTY, start = 0, end = payload.length): void {
    const f = this.clientFrame(flags);
    f.setPayload(payload, start, end);
    f.ack = flags & TCP_ACK ? this.sSeq : 0;
    if (flags & TCP_RST) f.window = 0;
    this.q.push(this.t);
    this.cSeq = (this.cSeq + (end - start) + (flags & 3 ? 1 : 0)) >>> 0;
  }

  /** A sensor packet after the handshake. */
  s(flags: number, payload: Uint8Array = EMPTY, start = 0, end = payload.length): void {
    const f = this.sensorFrame(flags);
    f.setPayload(payload, start, end);
    f.ack = this.cSeq;
    f.window = SENSOR_WINDOW;
    this.q.push(this.t);
    this.sSeq = (this.sSeq + (end - start) + (flags & 3 ? 1 : 0)) >>> 0;
  }

  private clientFrame(flags: number) {
    const f = this.q.f;
    const h = this.host;
    this.addresses(false);
    f.ttl = h.ttl;
    f.ipId = this.cIpId;
    this.cIpId = (this.cIpId + 1) & 0xffff;
    f.df = true;
    f.sport = this.cPort;
    f.dport = this.sPort;
    f.seq = this.cSeq;
    f.flags = flags;
    f.window = h.kernel === KERNEL_WINDOWS ? 1026 : h.kernel === KERNEL_EMBEDDED ? 1460 : 229;
    f.mss = h.addr6 ? 1440 : 1460;
    this.lastClientTs = (h.tsBase + Math.floor(this.t / 1000)) >>> 0;
    f.tsVal = this.lastClientTs;
    f.tsEcr = this.lastSensorTs;
    f.opt = this.timestamps ? OPT_TS : OPT_NONE;
    f.setPayload(EMPTY);
    return f;
  }

  private sensorFrame(flags: number) {
    const f = this.q.f;
    this.addresses(true);
    f.ttl = SENSOR_TTL;
    f.ipId = this.sIpId;
    this.sIpId = (this.sIpId + 1) & 0xffff;
    f.df = true;
    f.sport = this.sPort;
    f.dport = this.cPort;
    f.seq = this.sSeq;
    f.flags = flags;
    f.mss = this.sensor6 ? 1440 : 1460;
    this.lastSensorTs = (0x5e4f3a2b + Math.floor(this.t / 1000)) >>> 0;
    f.tsVal = this.lastSensorTs;
    f.tsEcr = this.lastClientTs;
    f.opt = this.timestamps ? OPT_TS : OPT_NONE;
    f.setPayload(EMPTY);
    return f;
  }

  private addresses(fromSensor: boolean): void {
    const f = this.q.f;
    const h = this.host;
    f.proto = PROTO_TCP;
    f.fromSensor = fromSensor;
    if (h.addr6 && this.sensor6) {
      f.v6 = true;
      f.src6 = fromSensor ? this.sensor6 : h.addr6;
      f.dst6 = fromSensor ? h.addr6 : this.sensor6;
    } else {
      f.v6 = false;
      f.src4 = fromSensor ? this.sensor4 : h.addr4;
      f.dst4 = fromSensor ? h.addr4 : this.sensor4;
    }
  }
}
