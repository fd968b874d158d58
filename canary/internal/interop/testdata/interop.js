// Signs and verifies requests with the providers' official libraries, for
// honeyseed's interop tests. Reads a JSON array of operations on stdin and
// writes a JSON array of results, one per operation, on stdout.
"use strict";
const twilio = require("twilio");
const { Webhook } = require("standardwebhooks");
const { EventWebhook } = require("@sendgrid/eventwebhook");

const ops = {
  // Twilio's own signer and validator (twilio.webhooks).
  "twilio-sign": (o) => twilio.getExpectedTwilioSignature(o.token, o.url, o.params),
  "twilio-validate": (o) => twilio.validateRequest(o.token, o.signature, o.url, o.params),
  // Standard Webhooks: the secret as "whsec_...", timestamp in Unix seconds.
  "swh-sign": (o) => new Webhook(o.secret).sign(o.id, new Date(o.timestamp * 1000), o.payload),
  "swh-verify": (o) => {
    try {
      new Webhook(o.secret).verify(o.payload, o.headers);
      return "ok";
    } catch (e) {
      return "refused: " + e.message;
    }
  },
  // SendGrid's verifier (@sendgrid/eventwebhook): the key as SendGrid shows
  // it (base64 DER), the payload as the text of the body.
  "sendgrid-verify": (o) => {
    const ew = new EventWebhook();
    return ew.verifySignature(ew.convertPublicKeyToECDSA(o.publicKey), o.payload, o.signature, o.timestamp);
  },
};

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map((o) => {
    const op = ops[o.op];
    if (!op) throw new Error("unknown op " + o.op);
    return op(o);
  });
  process.stdout.write(JSON.stringify(out));
});
