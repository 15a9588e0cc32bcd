import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { putAddr } from "./address.js";
import {
  ASN_FILES,
  ASN_PACKAGE,
  COUNTRY_FILE,
  COUNTRY_PACKAGE,
  isSpecialAddress,
  loadEnricher,
} from "./enrich.js";

const requireHere = createRequire(import.meta.url);
const installed = (() => {
  try {
    requireHere.resolve(`${COUNTRY_PACKAGE}/${COUNTRY_FILE}`);
    requireHere.resolve(`${ASN_PACKAGE}/${ASN_FILES.v4}`);
    return true;
  } catch {
    return false;
  }
})();

const dir = mkdtempSync(join(tmpdir(), "portent-enrich-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function special(a: string): boolean {
  const w = new Uint32Array(4);
  expect(putAddr(a, w, 0)).toBe(true);
  return isSpecialAddress(w);
}

describe("enrichment", () => {
  it("places no documentation, private or reserved address", () => {
    for (const a of [
      "192.0.2.1",
      "198.51.100.7",
      "203.0.113.200",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "127.0.0.1",
      "169.254.0.1",
      "100.64.0.1",
      "224.0.0.1",
      "0.0.0.0",
      "2001:db8::1",
      "fd00::1",
      "fe80::1",
      "ff02::1",
      "::1",
    ]) {
      expect(special(a), a).toBe(true);
    }
    for (const a of [
      "172.32.0.1",
      "100.128.0.1",
      "192.0.3.1",
      "2001:db9::1",
      "2600::1",
      "11.0.0.1",
    ]) {
      expect(special(a), a).toBe(false);
    }
  });

  it("finds the ASN of IPv4 and IPv6 addresses in range CSVs, names it, and leaves gaps unknown", async () => {
    // Ranges over documentation-adjacent space, written as the packages write them (num CSVs).
    const v4 = join(dir, "v4.csv");
    const v6 = join(dir, "v6.csv");
    writeFileSync(
      v4,
      '184549376,184549631,64496,"Example, Inc."\n184549888,184550143,64497,Other AS\n',
    );
    const base = BigInt("0x20010db9000000000000000000000000");
    writeFileSync(v6, `${base},${base + 0xffffn},64498,V6 AS\r\n`);
    const e = await loadEnricher({ asnV4: v4, asnV6: v6, required: false, countryDb: "" });
    expect(e.files.country).toBeNull();
    expect(e.lookup("11.0.0.0")).toEqual({ country: "", asn: 64496 });
    expect(e.lookup(0x0b0000ff)).toEqual({ country: "", asn: 64496 });
    expect(e.lookup("11.0.1.0")).toBeUndefined();
    expect(e.lookup("11.0.2.255")).toEqual({ country: "", asn: 64497 });
    expect(e.lookup("10.255.255.255")).toBeUndefined();
    expect(e.lookup("2001:db9::ff")).toEqual({ country: "", asn: 64498 });
    expect(e.lookup("2001:db9::1:0")).toBeUndefined();
    expect(e.lookup("not an address")).toBeUndefined();
    expect(e.asName(64496)).toBe("Example, Inc.");
    expect(e.asName(64498)).toBe("V6 AS");
  });

  it("names the missing package when enrichment is required", async () => {
    const loading = loadEnricher({ asnV4: join(dir, "v4.csv"), asnV6: "" });
    if (installed) await expect(loading).resolves.toBeDefined();
    else await expect(loading).rejects.toThrow(COUNTRY_PACKAGE);
  });
});

describe(`enrichment from ${COUNTRY_PACKAGE} and ${ASN_PACKAGE}`, () => {
  it("gives a country and an ASN to a routed address, nothing to documentation addresses", async () => {
    const e = await loadEnricher();
    const csv = readFileSync(requireHere.resolve(`${ASN_PACKAGE}/${ASN_FILES.v4}`), "latin1");
    const [start, , asn] = (csv.split("\n")[0] ?? "").split(",");
    const got = e.lookup(Number(start));
    expect(got?.asn).toBe(Number(asn));
    expect(got?.country).toMatch(/^[A-Z]{2}$/);
    expect(e.lookup("192.0.2.1")).toBeUndefined();
    expect(e.lookup("2001:db8::1")).toBeUndefined();
  });
});
