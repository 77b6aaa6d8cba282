// The same lambda as lambda.js with its error path broken, on purpose: it trusts the mail API's answer.
// With fixtures-ok.yaml (200) it passes; with fixtures-down.yaml (500) or `verify --http-faults`,
// `sent.id` is undefined (or the body is not JSON, or fetch rejects) and the TypeError escapes the
// lambda: a failed invocation, which the contract forbids even though the Survey Bot ignores results.
const { Toolbelt } = require('core-functions-toolbelt');

const MAIL_API = 'https://api.mail.example/v3/send';

async function lambda(input) {
  const payload = input.payload;
  const { value: apiKey } = await Toolbelt.SecretClient().readSecret('mail-api-key');
  const res = await fetch(MAIL_API, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({
      to: 'surveys@example.com',
      subject: `Survey ${payload.surveyId} ended`,
      text: `Conversation ${String(payload.conversationId).slice(0, 64)}, close reason ${payload.closeReason || 'n/a'}`,
    }),
  });
  const sent = await res.json();
  console.info(`mail queued: ${sent.id.slice(0, 64)}`); // BUG: an error answer has no id
  return 'ok';
}
