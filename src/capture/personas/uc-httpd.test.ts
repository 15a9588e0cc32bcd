import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PersonaReply } from "./persona.js";
import { bodyText, bytes, drive, header, oneResponse, splitAt, text } from "./persona-fixture.js";
import { UC_HTTPD_SERVER, ucHttpdPersona } from "./uc-httpd.js";

/** CVE-2018-10088 as the PoC sends it: the request line, then the form data, no headers. */
const EXPLOIT = `POST /login.htm HTTP/1.1\r\ncommand=login&username=${"A".repeat(85)}&password=PoC\r\n\r\n`;

function only(replies: PersonaReply[]) {
  expect(replies).toHaveLength(1);
  return oneResponse(replies[0] as PersonaReply);
}

describe("uc-httpd persona", () => {
  it("serves the NETSurveillance WEB page with the uc-httpd banner, HTTP/1.0, then closes", () => {
    const replies = drive(ucHttpdPersona, ["GET / HTTP/1.1\r\nHost: 192.0.2.1\r\n\r\n"]);
    const res = only(replies);
    expect(res.version).toBe("HTTP/1.0");
    expect(res.status).toBe(200);
    expect(header(res, "server")).toBe(UC_HTTPD_SERVER);
    expect(header(res, "expires")).toBe("0");
    expect(res.headers.map(([n]) => n)).toEqual([
      "Content-type",
      "Expires",
      "Server",
      "Content-Length",
    ]);
    expect(bodyText(res)).toContain("<title>NETSurveillance WEB</title>");
    expect(replies[0]?.close).toBe(true);
  });

  it("answers the CVE-2018-10088 exploit like the login handler, whether or not a blank line follows", () => {
    const res = only(drive(ucHttpdPersona, [EXPLOIT]));
    expect(res.status).toBe(200);
    expect(header(res, "server")).toBe(UC_HTTPD_SERVER);
    expect(bodyText(res)).toContain("Login.htm");
    const noBlank = EXPLOIT.slice(0, -2);
    expect(text(drive(ucHttpdPersona, [noBlank])[0]?.data as Uint8Array)).toBe(
      text(drive(ucHttpdPersona, [EXPLOIT])[0]?.data as Uint8Array),
    );
  });

  it("gives the same answer to the exploit split anywhere", () => {
    const whole = text(drive(ucHttpdPersona, [EXPLOIT])[0]?.data as Uint8Array);
    fc.assert(
      fc.property(fc.array(fc.nat(EXPLOIT.length), { maxLength: 10 }), (cuts) => {
        const replies = drive(ucHttpdPersona, splitAt(bytes(EXPLOIT), cuts));
        expect(replies).toHaveLength(1);
        expect(text(replies[0]?.data as Uint8Array)).toBe(whole);
      }),
    );
  });

  it("serves the login page and language file scanners fingerprint, and 404s the rest", () => {
    const login = only(drive(ucHttpdPersona, ["GET /Login.htm HTTP/1.0\r\n\r\n"]));
    expect(bodyText(login)).toContain("Hash.Cookie('NetSuveillanceWebCookie'");
    expect(bodyText(login)).toContain("$('passWordInput').setText(Translate.pswd);");
    const js = only(drive(ucHttpdPersona, ["GET /English.js HTTP/1.0\r\n\r\n"]));
    expect(bodyText(js)).toContain('title:"Digital Video Recorder"');
    expect(bodyText(js)).toContain('MFt:"MainStream"');
    expect(only(drive(ucHttpdPersona, ["GET /cgi-bin/x HTTP/1.0\r\n\r\n"])).status).toBe(404);
    expect(only(drive(ucHttpdPersona, ["DELETE / HTTP/1.0\r\n\r\n"])).status).toBe(501);
  });

  it("listens where XiongMai DVRs do and answers garbage with its 400", () => {
    expect(ucHttpdPersona.ports).toEqual([80, 81, 8000]);
    const res = only(drive(ucHttpdPersona, ["\x00\x01\x02garbage"]));
    expect(res.status).toBe(400);
    expect(header(res, "server")).toBe(UC_HTTPD_SERVER);
  });
});
