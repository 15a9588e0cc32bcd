/**
 * @module The uc-httpd persona: the web server of XiongMai DVRs and cameras (NETSurveillance WEB),
 * target of CVE-2018-10088 (Satori, June 2018, ports 80/81/8000).
 */

import type { HttpAnswer } from "./http-answer.js";
import { type DeviceRequest, httpPersona } from "./http-persona.js";
import type { Persona } from "./persona.js";

/** The banner scanners look for ("uc-httpd 1.0.0" on Shodan). */
export const UC_HTTPD_SERVER = "uc-httpd 1.0.0";

/**
 * The header fields of every answer, in the device's order: uc-httpd is an HTTP/1.0 server that
 * sends `Content-type` (lower-case t), `Expires: 0` and its banner, and closes after each answer.
 * The Content-Length is the persona's addition, so that clients need not wait for the close.
 */
function head(type: string): Array<[string, string]> {
  return [
    ["Content-type", type],
    ["Expires", "0"],
    ["Server", UC_HTTPD_SERVER],
    ["Content-Length", ""],
  ];
}

function page(status: number, body: string, type = "text/html"): HttpAnswer {
  return { status, version: "HTTP/1.0", headers: head(type), body, close: true };
}

const INDEX = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta http-equiv="X-UA-Compatible" content="IE=edge"/>
<link rel="stylesheet" type="text/css" media="screen" href="m.css" />
<title>NETSurveillance WEB</title>
<script type="text/javascript" src="js/mootools.js"></script>
<script type="text/javascript" src="English.js"></script>
</head>
<body onload="window.location.href='Login.htm'">
<div id="loading">Loading...</div>
</body>
</html>
`;

const LOGIN = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>NETSurveillance WEB</title>
<link rel="stylesheet" type="text/css" href="m.css" />
<script type="text/javascript" src="js/mootools.js"></script>
<script type="text/javascript" src="English.js"></script>
<script type="text/javascript">
var cookie = new Hash.Cookie('NetSuveillanceWebCookie', {duration: 3600});
window.addEvent('domready', function () {
  $('userNameInput').setText(Translate.user);
  $('passWordInput').setText(Translate.pswd);
});
</script>
</head>
<body>
<form id="loginForm" name="loginForm" method="post" action="login.htm">
<input type="hidden" name="command" value="login" />
<table class="login">
<tr><td id="userNameInput">User Name</td><td><input type="text" name="username" id="username" maxlength="31" /></td></tr>
<tr><td id="passWordInput">Password</td><td><input type="password" name="password" id="password" maxlength="31" /></td></tr>
<tr><td colspan="2"><input type="submit" id="login" value="Login" /></td></tr>
</table>
</form>
</body>
</html>
`;

const ENGLISH_JS = `var Translate = {
title:"Digital Video Recorder",
user:"User Name",
pswd:"Password",
login:"Login",
MFt:"MainStream",
SFt:"ExtraStream",
loginErr:"Login failed, please check user name and password!"
};
`;

/** The answer to a failed login: the device sends the browser back to the login page. */
const LOGIN_FAILED = `<html><head><title>NETSurveillance WEB</title>
<script type="text/javascript">alert("Login failed, please check user name and password!");window.location.href="Login.htm";</script>
</head><body></body></html>
`;

const NOT_FOUND = `<html><head><title>404 Not Found</title></head>
<body><h1>404 Not Found</h1><p>The requested URL was not found on this server.</p></body></html>
`;

const BAD_REQUEST = `<html><head><title>400 Bad Request</title></head>
<body><h1>400 Bad Request</h1><p>Your browser sent a request that this server could not understand.</p></body></html>
`;

function respond(req: DeviceRequest): HttpAnswer {
  const path = req.path.toLowerCase();
  if (req.method === "POST") {
    return path === "/login.htm" ? page(200, LOGIN_FAILED) : page(404, NOT_FOUND);
  }
  if (req.method !== "GET" && req.method !== "HEAD") return page(501, NOT_FOUND);
  if (path === "/" || path === "/index.htm" || path === "/index.html") return page(200, INDEX);
  if (path === "/login.htm") return page(200, LOGIN);
  if (path === "/english.js") return page(200, ENGLISH_JS, "application/x-javascript");
  if (path === "/m.css")
    return page(200, "body{margin:0;background:#1e1e1e;color:#fff;}\n", "text/css");
  return page(404, NOT_FOUND);
}

/** XiongMai NETSurveillance DVR web server. */
export const ucHttpdPersona: Persona = httpPersona({
  name: "uc-httpd",
  summary: "XiongMai DVR web server (uc-httpd 1.0.0, NETSurveillance WEB login; CVE-2018-10088)",
  ports: [80, 81, 8000],
  respond,
  reject: (status) => page(status, BAD_REQUEST),
});
