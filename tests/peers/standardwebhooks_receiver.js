// A webhook receiver built on the npm `standardwebhooks` package (the Standard Webhooks reference
// library, pinned in tests/peers/package.json), as its README shows it: every request is verified with
// `new Webhook(secret).verify(body, headers)`; 200 if it verifies, 401 if not.
//
// What the library checks is what this receiver checks, nothing added: the signature over
// "{id}.{timestamp}.{body}", and the timestamp within its own tolerance (5 minutes either way). It keeps
// no book of message ids, so a replay inside the tolerance verifies (the library has no replay check).
//
//   WEBHOOK_SECRET=whsec_... node tests/peers/standardwebhooks_receiver.js
//
// Listens on 127.0.0.1, a port the system picks; prints `listening on http://127.0.0.1:PORT` on stderr
// first (harness.Server reads it), then one JSON line per request on stdout:
// {"probe": X-Hookauth-Probe or null, "status": 200 or 401, "error": the library's message or null}.

"use strict";

const http = require("http");
const { Webhook, WebhookVerificationError } = require("standardwebhooks");

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  process.stderr.write("standardwebhooks_receiver: set WEBHOOK_SECRET\n");
  process.exit(2);
}
const webhook = new Webhook(secret);

function answer(request, response, body) {
  let status = 200;
  let error = null;
  try {
    webhook.verify(body, request.headers);
  } catch (e) {
    // A body that verifies but is not JSON makes verify() throw a SyntaxError: that is a 400, not a 401.
    status = e instanceof WebhookVerificationError ? 401 : 400;
    error = e.message;
  }
  process.stdout.write(JSON.stringify({ probe: request.headers["x-hookauth-probe"] || null, status, error }) + "\n");
  response.writeHead(status, { "Content-Type": "text/plain" });
  response.end(status === 200 ? "ok\n" : error + "\n");
}

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => answer(request, response, Buffer.concat(chunks)));
});

server.listen(0, "127.0.0.1", () => {
  process.stderr.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});

process.on("SIGTERM", () => process.exit(0));
