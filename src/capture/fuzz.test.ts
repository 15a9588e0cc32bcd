import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Anomalies } from "../schema/anomalies.js";
import { NotACaptureError } from "../schema/errors.js";
import type { RawPacket } from "../schema/raw-packet.js";
import { block, concatBytes, epb, idb, opb, pcapFile, shb, spb } from "./capture-build.js";
import { parseCaptureBuffer } from "./format.js";
import { BT_NRB } from "./pcapng.js";

/** Everything observable about one parse, for comparing chunkings. */
function observe(buf: Uint8Array, chunkSize?: number) {
  const anomalies = new Anomalies();
  const packets: string[] = [];
  let maxEnd = 0;
  const onPacket = (p: RawPacket) => {
    packets.push(`${p.ts}/${p.linkType}/${p.offset}/${p.origLen}/${p.data.length}/${p.data[0]}`);
    maxEnd = Math.max(maxEnd, p.offset + p.data.length);
  };
  const s = parseCaptureBuffer(buf, onPacket, anomalies, "fuzz", chunkSize);
  return { packets, counts: anomalies.toCounts(), first: anomalies.toFirst(), s, maxEnd };
}

const T0 = 1_528_945_800;
const payload = fc.uint8Array({ minLength: 0, maxLength: 90, size: "max" });

const pcapArb = fc
  .record({
    le: fc.boolean(),
    nano: fc.boolean(),
    snaplen: fc.constantFrom(0, 40, 65535, 262144),
    recs: fc.array(fc.record({ dt: fc.nat(100), sub: fc.nat(999_999), data: payload }), {
      maxLength: 12,
    }),
  })
  .map(({ le, nano, snaplen, recs }) =>
    pcapFile(
      { le, nano, snaplen },
      recs.map((r, i) => ({ sec: T0 + i * 10 + r.dt, sub: r.sub, data: r.data })),
    ),
  );

const pcapngBlock = (le: boolean) =>
  fc.oneof(
    fc
      .record({ id: fc.nat(3), ts: fc.bigInt(0n, 1n << 62n), data: payload })
      .map((r) => epb(r.id, r.ts, r.data, r.data.length, le)),
    fc
      .record({ id: fc.nat(2), ts: fc.bigInt(0n, 1n << 60n), data: payload })
      .map((r) => opb(r.id, r.ts, r.data, r.data.length + 4, le)),
    payload.map((d) => spb(d, d.length, le)),
    fc
      .record({ lt: fc.constantFrom(1, 101, 113), resol: fc.nat(255) })
      .map((r) => idb(r.lt, 128, { tsresol: r.resol }, le)),
    payload.map((d) => block(BT_NRB, d, le)),
    payload.map((d) => block(0x77, d, le)),
  );

const sectionArb = fc
  .boolean()
  .chain((le) =>
    fc
      .array(pcapngBlock(le), { maxLength: 10 })
      .map((blocks) => concatBytes(shb(le), idb(1, 0, {}, le), ...blocks)),
  );
const pcapngArb = fc
  .array(sectionArb, { minLength: 1, maxLength: 3 })
  .map((s) => concatBytes(...s));

/** Flips, overwrites, cuts or inserts bytes of a valid capture (keeping its magic). */
const mutated = (base: fc.Arbitrary<Uint8Array>) =>
  fc
    .tuple(
      base,
      fc.array(
        fc.record({ at: fc.nat(), kind: fc.nat(3), value: fc.integer({ min: 0, max: 255 }) }),
        { maxLength: 6 },
      ),
    )
    .map(([buf, edits]) => {
      let b: Uint8Array = buf.slice();
      for (const e of edits) {
        if (b.length <= 4) break;
        const at = 4 + (e.at % (b.length - 4));
        if (e.kind === 0) b[at] ^= 1 << (e.value % 8);
        else if (e.kind === 1) b[at] = e.value;
        else if (e.kind === 2) b = b.subarray(0, at);
        else b = concatBytes(b.subarray(0, at), Uint8Array.of(e.value, 0xff, 0x7f), b.subarray(at));
      }
      return b;
    });

function checkInvariants(buf: Uint8Array, chunk: number) {
  const whole = observe(buf);
  const chunked = observe(buf, chunk);
  expect(chunked.packets).toEqual(whole.packets);
  expect(chunked.counts).toEqual(whole.counts);
  expect(chunked.first).toEqual(whole.first);
  expect(whole.maxEnd).toBeLessThanOrEqual(buf.length);
  expect(whole.s.bytes).toBe(buf.length);
}

describe("capture parsers under fuzzing", () => {
  it("never throw and do not depend on chunking (mutated pcap)", () => {
    fc.assert(fc.property(mutated(pcapArb), fc.integer({ min: 1, max: 64 }), checkInvariants), {
      numRuns: 400,
    });
  });

  it("never throw and do not depend on chunking (mutated pcapng)", () => {
    fc.assert(fc.property(mutated(pcapngArb), fc.integer({ min: 1, max: 64 }), checkInvariants), {
      numRuns: 400,
    });
  });

  it("never throw on random bytes behind a valid magic", () => {
    const heads = [pcapFile({}, []), pcapFile({ le: false, nano: true }, []), shb(), shb(false)];
    fc.assert(
      fc.property(
        fc.constantFrom(...heads),
        fc.uint8Array({ maxLength: 600, size: "max" }),
        fc.integer({ min: 1, max: 50 }),
        (head, tail, chunk) => checkInvariants(concatBytes(head, tail), chunk),
      ),
      { numRuns: 400 },
    );
  });

  it("throw only NotACaptureError on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (buf) => {
        try {
          observe(buf, 7);
        } catch (e) {
          expect(e).toBeInstanceOf(NotACaptureError);
        }
      }),
      { numRuns: 400 },
    );
  });
});
