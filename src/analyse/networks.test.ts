import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PortentError } from "../schema/errors.js";
import {
  NetworkList,
  parseIpv4,
  parseIpv6,
  readNetworkFile,
  researchScanners,
  researchScannersPath,
} from "./networks.js";

const dir = mkdtempSync(join(tmpdir(), "portent-networks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const v4 = (s: string) => parseIpv4(s) as number;

describe("address parsing", () => {
  it("parses IPv4 and rejects the rest", () => {
    expect(parseIpv4("198.51.100.7")).toBe(0xc6336407);
    for (const bad of ["1.2.3", "1.2.3.256", "a.b.c.d", "1.2.3.4.5", ""])
      expect(parseIpv4(bad)).toBeNull();
  });

  it("parses IPv6 with :: and a trailing dotted quad", () => {
    expect(Array.from(parseIpv6("2001:db8::1") ?? [])).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    ]);
    expect(Array.from(parseIpv6("::ffff:192.0.2.1") ?? []).slice(10)).toEqual([
      0xff, 0xff, 192, 0, 2, 1,
    ]);
    expect(parseIpv6("::")).toEqual(new Uint8Array(16));
    for (const bad of ["1::2::3", "2001:db8", "12345::", "g::1", "1:2:3:4:5:6:7:8:9"]) {
      expect(parseIpv6(bad), bad).toBeNull();
    }
  });
});

describe("NetworkList", () => {
  const list = new NetworkList([
    { name: "a", networks: ["192.0.2.0/25", "192.0.2.128/26", "198.51.100.7"] },
    { name: "b", networks: ["2001:db8:10::/48", "203.0.113.0/24"] },
  ]);

  it("matches IPv4 keys by range, with the group's name", () => {
    expect(list.nameOf(v4("192.0.2.0"))).toBe("a");
    expect(list.nameOf(v4("192.0.2.191"))).toBe("a");
    expect(list.has(v4("192.0.2.192"))).toBe(false);
    expect(list.has(v4("198.51.100.7"))).toBe(true);
    expect(list.has(v4("198.51.100.8"))).toBe(false);
    expect(list.nameOf(v4("203.0.113.255"))).toBe("b");
    expect(list.has(0)).toBe(false);
  });

  it("matches IPv6 keys by prefix", () => {
    expect(list.nameOf("2001:db8:10:ffff::1")).toBe("b");
    expect(list.has("2001:db8:11::1")).toBe(false);
    expect(list.has("not an address")).toBe(false);
  });

  it("names every malformed network at once", () => {
    expect(
      () => new NetworkList([{ name: "x", networks: ["1.2.3.4/33", "zz", "10.0.0.0/8"] }]),
    ).toThrow(/1\.2\.3\.4\/33, zz/);
  });
});

describe("research scanner lists", () => {
  it("ships a list that loads and matches known scanners only", () => {
    const list = researchScanners();
    expect(list.size).toBeGreaterThan(20);
    expect(list.nameOf(v4("162.142.125.10"))).toBe("censys");
    expect(list.nameOf(v4("184.105.139.70"))).toBe("shadowserver");
    expect(list.has(v4("198.19.128.1"))).toBe(false);
    expect(list.has(v4("192.0.2.1"))).toBe(false);
    expect(researchScannersPath()).toMatch(/data[/\\]research-scanners\.json$/);
  });

  it("is extended with user files in the same format", () => {
    const f = join(dir, "mine.json");
    writeFileSync(f, JSON.stringify({ groups: [{ name: "lab", networks: ["192.0.2.10/31"] }] }));
    const list = researchScanners([f]);
    expect(list.nameOf(v4("192.0.2.11"))).toBe("lab");
    expect(list.nameOf(v4("162.142.125.10"))).toBe("censys");
  });

  it("rejects a file in another shape with the file's name", () => {
    const f = join(dir, "bad.json");
    writeFileSync(f, JSON.stringify({ networks: ["192.0.2.0/24"] }));
    expect(() => readNetworkFile(f)).toThrow(PortentError);
    expect(() => readNetworkFile(f)).toThrow(/bad\.json/);
    expect(() => readNetworkFile(join(dir, "missing.json"))).toThrow(/missing\.json/);
  });
});
