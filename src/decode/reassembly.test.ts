import { describe, expect, it } from "vitest";
import { bytes, text } from "./flow-fixture.js";
import { MAX_RANGES, StreamBuffer } from "./reassembly.js";

/** Adds `s` at sequence number `seq` (payload placed at a non-zero offset of a bigger array). */
function add(sb: StreamBuffer, seq: number, s: string): boolean {
  const data = new Uint8Array(10 + s.length);
  data.set(bytes(s), 10);
  return sb.add(seq >>> 0, data, 10, s.length);
}

describe("StreamBuffer", () => {
  it("appends in-order segments", () => {
    const sb = new StreamBuffer(100, 1000);
    add(sb, 1000, "GET / ");
    add(sb, 1006, "HTTP/1.0\r\n");
    const r = sb.finish();
    expect(text(r.bytes)).toBe("GET / HTTP/1.0\r\n");
    expect(r).toMatchObject({ total: 16, gaps: 0, holes: 0, truncated: false });
  });

  it("holds out-of-order segments until the gap fills", () => {
    const sb = new StreamBuffer(100, 1);
    add(sb, 7, "world");
    add(sb, 13, "!");
    add(sb, 1, "hello ");
    expect(text(sb.finish().bytes)).toBe("hello world!");
  });

  it("drops retransmissions and keeps the first copy of overlapping bytes", () => {
    const sb = new StreamBuffer(100, 0);
    expect(add(sb, 0, "abcdef")).toBe(false);
    expect(add(sb, 0, "abcdef")).toBe(false); // plain retransmission
    expect(add(sb, 3, "dXfghi")).toBe(true); // overlap differs: first copy wins
    const r = sb.finish();
    expect(text(r.bytes)).toBe("abcdefghi");
    expect(r.total).toBe(9);
  });

  it("applies the first policy to overlaps between held out-of-order segments", () => {
    const sb = new StreamBuffer(100, 0);
    add(sb, 10, "KLMNO");
    expect(add(sb, 8, "ijXXXXXpq")).toBe(true); // spans the held segment and differs in it
    add(sb, 0, "abcdefgh");
    expect(text(sb.finish().bytes)).toBe("abcdefghijKLMNOpq");
  });

  it("crosses the 32-bit sequence wrap", () => {
    const sb = new StreamBuffer(100, 0xfffffffc);
    add(sb, 0xfffffffc, "abcd");
    add(sb, 0x00000004, "ijkl"); // out of order, after the wrap
    add(sb, 0x00000000, "efgh");
    const r = sb.finish();
    expect(text(r.bytes)).toBe("abcdefghijkl");
    expect(r.gaps).toBe(0);
  });

  it("closes holes never filled and reports them", () => {
    const sb = new StreamBuffer(100, 0);
    add(sb, 0, "abc");
    add(sb, 6, "ghi");
    add(sb, 12, "mno");
    const r = sb.finish();
    expect(text(r.bytes)).toBe("abcghimno");
    expect(r).toMatchObject({ gaps: 6, holes: 2, holeOffsets: [3, 6], total: 9 });
  });

  it("keeps at most cap bytes but counts every unique byte", () => {
    const sb = new StreamBuffer(8, 0);
    add(sb, 0, "abcdef");
    add(sb, 6, "ghijkl");
    add(sb, 6, "ghijkl"); // retransmission beyond the cap is not counted twice
    add(sb, 12, "mnop");
    const r = sb.finish();
    expect(text(r.bytes)).toBe("abcdefgh");
    expect(r).toMatchObject({ total: 16, truncated: true, gaps: 0 });
    expect(sb.allocated).toBe(8);
  });

  it("rebases when the first data lies before the ISN+1 or far beyond it", () => {
    const before = new StreamBuffer(100, 1001); // SYN seq 1000, data sent with seq 1000
    add(before, 1000, "GET /");
    expect(text(before.finish().bytes)).toBe("GET /");
    const far = new StreamBuffer(100, 1);
    add(far, 500_001, "POST");
    const r = far.finish();
    expect(text(r.bytes)).toBe("POST");
    expect(r).toMatchObject({ gaps: 500_000, holes: 1 });
  });

  it("drops old bytes before the stream start once data flows", () => {
    const sb = new StreamBuffer(100, 100);
    add(sb, 100, "abc");
    add(sb, 95, "xxxxxabcd");
    expect(text(sb.finish().bytes)).toBe("abcd");
  });

  it("bounds the number of disjoint ranges it holds", () => {
    const sb = new StreamBuffer(1 << 20, 0);
    for (let i = 0; i < MAX_RANGES + 10; i++) add(sb, 10 + i * 4, "x");
    expect(sb.dropped).toBe(10); // MAX_RANGES islands kept, the rest dropped
    const r = sb.finish();
    expect(r.bytes.length).toBe(MAX_RANGES);
  });

  it("appends datagrams without sequence numbers", () => {
    const sb = new StreamBuffer(6, 0);
    const d = bytes("abcd");
    sb.append(d, 0, 4);
    sb.append(d, 0, 4);
    const r = sb.finish();
    expect(text(r.bytes)).toBe("abcdab");
    expect(r).toMatchObject({ total: 8, truncated: true });
  });

  it("grows its buffer geometrically and never beyond the cap", () => {
    const sb = new StreamBuffer(65536, 0);
    add(sb, 0, "x".repeat(100));
    expect(sb.allocated).toBe(256);
    add(sb, 100, "y".repeat(1000));
    expect(sb.allocated).toBe(2048);
    add(sb, 60000, "z".repeat(10000));
    expect(sb.allocated).toBe(65536);
  });
});
