/**
 * @module The realtek persona: miniigd, the UPnP IGD daemon of the Realtek SDK on 52869, whose
 * AddPortMapping passes NewInternalClient to a shell (CVE-2014-8361; Satori, Mirai variants).
 */

import { type HttpAnswer, soapActionName } from "./http-answer.js";
import { type DeviceRequest, httpPersona } from "./http-persona.js";
import type { Persona } from "./persona.js";

/**
 * The banner on TCP 52869: miniigd advertises "OS 1.0 UPnP/1.0 Realtek/V1.3" over SSDP but its
 * HTTP side, forked from miniupnpd, says this (per the CVE-2014-8361 write-up).
 */
export const REALTEK_SERVER = "miniupnpd/1.0 UPnP/1.0";

/** miniupnpd's header order; it closes every connection after one answer. */
function answer(status: number, body: string, type = 'text/xml; charset="utf-8"'): HttpAnswer {
  return {
    status,
    headers: [
      ["Content-Type", type],
      ["Connection", "close"],
      ["Content-Length", ""],
      ["Server", REALTEK_SERVER],
    ],
    body,
    close: true,
  };
}

function html(status: number, title: string, text: string): HttpAnswer {
  return answer(
    status,
    `<HTML><HEAD><TITLE>${title}</TITLE></HEAD><BODY>${text}</BODY></HTML>\r\n`,
    "text/html",
  );
}

const WANIP = "urn:schemas-upnp-org:service:WANIPConnection:1";

const ROOT_DESC = `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<device>
<deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
<friendlyName>Realtek Wireless Router</friendlyName>
<manufacturer>Realtek Semiconductor Corp.</manufacturer>
<manufacturerURL>http://www.realtek.com.tw</manufacturerURL>
<modelDescription>Realtek Gateway</modelDescription>
<modelName>RTL8196C</modelName>
<modelNumber>1</modelNumber>
<UDN>uuid:12342409-1234-1234-5678-ee1234cc5678</UDN>
<deviceList><device>
<deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<friendlyName>WANDevice</friendlyName>
<UDN>uuid:12342409-1234-1234-5678-ee1234cc5679</UDN>
<deviceList><device>
<deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<friendlyName>WANConnectionDevice</friendlyName>
<UDN>uuid:12342409-1234-1234-5678-ee1234cc567a</UDN>
<serviceList><service>
<serviceType>${WANIP}</serviceType>
<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
<controlURL>/upnp/control/WANIPConn1</controlURL>
<eventSubURL>/upnp/event/WANIPConn1</eventSubURL>
<SCPDURL>/wanipcn.xml</SCPDURL>
</service></serviceList>
</device></deviceList>
</device></deviceList>
<presentationURL>http://192.168.1.1/</presentationURL>
</device>
</root>
`;

const ARGS: Readonly<Record<string, string[]>> = {
  AddPortMapping: [
    "NewRemoteHost",
    "NewExternalPort",
    "NewProtocol",
    "NewInternalPort",
    "NewInternalClient",
    "NewEnabled",
    "NewPortMappingDescription",
    "NewLeaseDuration",
  ],
  DeletePortMapping: ["NewRemoteHost", "NewExternalPort", "NewProtocol"],
  GetStatusInfo: [],
};

const SCPD = `<?xml version="1.0"?>
<scpd xmlns="urn:schemas-upnp-org:service-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<actionList>
${Object.entries(ARGS)
  .map(
    ([name, args]) =>
      `<action><name>${name}</name><argumentList>${args
        .map((a) => `<argument><name>${a}</name><direction>in</direction></argument>`)
        .join("")}</argumentList></action>`,
  )
  .join("\n")}
</actionList>
</scpd>
`;

function soap(body: string): string {
  return `<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>${body}</s:Body></s:Envelope>\r\n`;
}

const INVALID_ACTION = soap(
  '<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>401</errorCode><errorDescription>Invalid Action</errorDescription></UPnPError></detail></s:Fault>',
);

function control(req: DeviceRequest): HttpAnswer {
  const header = req.header("soapaction");
  if (header === undefined) return html(400, "400 Bad Request", "Bad request");
  const action = soapActionName(header);
  if (action === "AddPortMapping" || action === "DeletePortMapping") {
    return answer(200, soap(`<u:${action}Response xmlns:u="${WANIP}"></u:${action}Response>`));
  }
  if (action === "GetStatusInfo") {
    const inner = `<u:GetStatusInfoResponse xmlns:u="${WANIP}"><NewConnectionStatus>Connected</NewConnectionStatus><NewLastConnectionError>ERROR_NONE</NewLastConnectionError><NewUptime>86371</NewUptime></u:GetStatusInfoResponse>`;
    return answer(200, soap(inner));
  }
  return answer(500, INVALID_ACTION);
}

function respond(req: DeviceRequest): HttpAnswer {
  // Like the miniupnpd it comes from, miniigd runs any POST carrying a SOAPAction, whatever its URL.
  if (req.method === "POST") return control(req);
  if (req.method !== "GET" && req.method !== "HEAD")
    return html(501, "501 Not Implemented", "Not Implemented");
  if (req.path === "/picsdesc.xml" || req.path === "/picdesc.xml") return answer(200, ROOT_DESC);
  if (req.path === "/wanipcn.xml") return answer(200, SCPD);
  return html(404, "404 Not Found", "Not Found");
}

/** Realtek SDK miniigd UPnP IGD. */
export const realtekPersona: Persona = httpPersona({
  name: "realtek",
  summary: "Realtek SDK miniigd UPnP on 52869 (picsdesc.xml, AddPortMapping SOAP; CVE-2014-8361)",
  ports: [52869],
  respond,
  reject: () => html(400, "400 Bad Request", "Bad request"),
});
