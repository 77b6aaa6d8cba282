// A V2 lambda (Node 22, `async function lambda(input)`, no callback) for
// surveybot_messaging_survey_ended: it mails the survey's end to a mail API with fetch.
//
// The contract (contracts/registry.yaml, v2): the Survey Bot ignores results ("The Survey Bot will not
// process any callback payload during the invocation", developer-center EventSources/
// post-conversation-survey-legacy.md), so 'ok' is all this returns; what the contract still forbids
// is a failed invocation (an error thrown out of the lambda, a timeout). This version keeps that
// promise when the mail API fails: lambda-broken.js does not.
const { Toolbelt } = require('core-functions-toolbelt');

const MAIL_API = 'https://api.mail.example/v3/send';

async function lambda(input) {
  const payload = input.payload;
  // V2 SecretClient: readSecret(key) -> {key, value} (core-functions-toolbelt secret-storage).
  const { value: apiKey } = await Toolbelt.SecretClient().readSecret('mail-api-key');
  try {
    const res = await fetch(MAIL_API, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        to: 'surveys@example.com',
        subject: `Survey ${payload.surveyId} ended`,
        text: `Conversation ${String(payload.conversationId).slice(0, 64)}, close reason ${payload.closeReason || 'n/a'}`,
      }),
    });
    if (!res.ok) {
      // The mail is lost, the invocation is not: say so in the logs (at most 10 calls, 6000 characters).
      console.warn(`mail API answered ${res.status}`);
      return 'ok';
    }
    const sent = await res.json();
    console.info(`mail queued: ${String(sent.id).slice(0, 64)}`);
  } catch (err) {
    console.error(`mail API unreachable: ${String(err && err.message).slice(0, 200)}`);
  }
  return 'ok';
}
