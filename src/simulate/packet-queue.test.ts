import { describe, expect, it } from "vitest";
import { PROTO_UDP } from "./frame-encoder.js";
import { type FrameSink, PacketQueue } from "./packet-queue.js";

class Collect implements FrameSink {
  readonly ts: number[] = [];
  readonly ports: number[] = [];
  write(tsMicros: number, frame: Uint8Array): void {
    this.ts.push(tsMicros);
    this.ports.push((frame[36] << 8) | frame[37]);
  }
}

function push(q: PacketQueue, ts: number, dport: number): void {
  q.f.proto = PROTO_UDP;
  q.f.dport = dport;
  q.push(ts);
}

describe("PacketQueue", () => {
  it("writes each window in time order, insertion order breaking ties, and carries the rest", () => {
    const sink = new Collect();
    const q = new PacketQueue(sink, 1000);
    push(q, 1500, 1);
    push(q, 1200, 2);
    push(q, 2500, 3); // beyond the first window
    push(q, 1200, 4);
    q.flushUntil(2000);
    expect(sink.ports).toEqual([2, 4, 1]);
    push(q, 2100, 5);
    q.flushUntil(3000);
    expect(sink.ports).toEqual([2, 4, 1, 5, 3]);
    expect(sink.ts).toEqual([1200, 1200, 1500, 2100, 2500]);
    expect(q.written).toBe(5);
  });

  it("refuses frames before the written horizon (a generator bug)", () => {
    const q = new PacketQueue(new Collect(), 0);
    q.flushUntil(100);
    expect(() => push(q, 99, 1)).toThrow(/before the written horizon/);
  });

  it("grows past its initial buffers and keeps order", () => {
    const sink = new Collect();
    const q = new PacketQueue(sink, 0);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      q.f.setPayload(new Uint8Array(100));
      push(q, (i * 7919) % n, i & 0xffff);
    }
    q.finish();
    expect(sink.ts.length).toBe(n);
    for (let i = 1; i < n; i++) expect(sink.ts[i]).toBeGreaterThanOrEqual(sink.ts[i - 1] as number);
  });
});
