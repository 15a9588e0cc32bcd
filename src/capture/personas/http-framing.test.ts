import { describe, expect, it } from "vitest";
import { type Frame, frameRequest, MAX_REQUEST_BYTES, skipEmptyLines } from "./http-framing.js";
import { bytes, text } from "./persona-fixture.js";

function frame(s: string): Frame {
  return frameRequest(bytes(s), 0);
}

function summary(s: string): string {
  const f = frame(s);
  if (f.kind === "request")
    return `request ${f.end} ${f.request.method} ${f.request.target} [${text(f.request.body)}]`;
  return f.kind === "too-large" ? `too-large ${f.status}` : f.kind;
}

describe("frameRequest", () => {
  it("frames textbook requests, and waits for what is missing", () => {
    expect(summary("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET")).toBe("request 27 GET / []");
    expect(summary("GET / HTTP/1.1\r\nHost: x\r\n")).toBe("partial");
    expect(summary("GET / HTTP/1.1\r\nHo")).toBe("partial");
    expect(summary("GET / HTTP/1.1\r\n\r")).toBe("partial");
    expect(summary("GE")).toBe("partial");
    expect(summary("\r")).toBe("partial");
    expect(summary("POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nab")).toBe("partial");
    expect(summary("POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcd")).toBe(
      "request 42 POST /p [abc]",
    );
  });

  it("frames the uc-httpd exploit shape and HTTP/0.9 lines", () => {
    expect(summary("POST /login.htm HTTP/1.1\r\ncommand=login&username=A\r\n")).toBe(
      "request 52 POST /login.htm [command=login&username=A]",
    );
    expect(summary("POST /login.htm HTTP/1.1\r\ncommand=login")).toBe("partial");
    expect(summary("GET /x\r\nGET /y\r\n")).toBe("request 8 GET /x []");
    expect(summary("GET /x\r\nHost: a\r\n\r\n")).toBe("request 19 GET /x []");
  });

  it("ends a SOAP body at its envelope even when Content-Length claims more", () => {
    const soap = "<s:Envelope><s:Body/></s:Envelope>";
    const f = frame(`POST /c HTTP/1.1\r\nContent-Length: 430\r\n\r\n${soap}\r\n\r\n`);
    expect(f.kind === "request" ? text(f.request.body) : f.kind).toBe(soap);
  });

  it("reads chunked bodies and refuses broken ones", () => {
    const ok =
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n";
    expect(summary(ok)).toBe(`request ${ok.length} POST /c [abc]`);
    expect(summary(ok.slice(0, -2))).toBe("partial");
    expect(summary("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")).toBe("garbage");
    expect(summary("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX")).toBe(
      "garbage",
    );
  });

  it("tells bytes that are not HTTP at once", () => {
    for (const s of [
      "\x16\x03\x01",
      "get / HTTP/1.1\r\n",
      " GET /",
      "NICK bot\r\n",
      "GET\t/",
      "A".repeat(30),
    ]) {
      expect(summary(s)).toBe("garbage");
    }
    expect(summary("POST /c HTTP/1.1\r\nContent-Length: -1\r\n\r\n")).toBe("garbage");
    expect(summary("FOO / HTTP/1.1\r\n\r\n")).toBe("request 18 FOO / []");
  });

  it("bounds heads (400) and bodies (413)", () => {
    expect(summary(`GET /${"a".repeat(MAX_REQUEST_BYTES)}`)).toBe("too-large 400");
    expect(summary(`GET / HTTP/1.1\r\nX: ${"a".repeat(MAX_REQUEST_BYTES)}\r\n\r\n`)).toBe(
      "too-large 400",
    );
    expect(summary(`POST / HTTP/1.1\r\nContent-Length: ${MAX_REQUEST_BYTES}\r\n\r\n`)).toBe(
      "too-large 413",
    );
    const chunk = (MAX_REQUEST_BYTES + 1).toString(16);
    expect(summary(`POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}\r\n`)).toBe(
      "too-large 413",
    );
  });

  it("skips empty lines but waits on a final CR", () => {
    expect(skipEmptyLines(bytes("\r\n\n\r\nG"), 0)).toBe(5);
    expect(skipEmptyLines(bytes("\r\n\r"), 0)).toBe(2);
  });
});
