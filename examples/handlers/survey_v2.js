// A V2 lambda: an async function that returns its result (no callback).
const { DateTime } = require('luxon');

async function lambda(input) {
  const payload = input.payload;
  const started = DateTime.fromMillis(payload.startTs, { zone: 'utc' });
  // Logs are capped at 6000 characters per invocation: never log unbounded payload text whole.
  console.info(`conversation ${payload.conversationId.slice(0, 64)} started ${started.toISODate()}`);
  const ttrType = payload.ttr && payload.ttr.ttrType;
  if (ttrType === 'URGENT' && payload.skillId) {
    return [
      { type: 'systemMessage', text: 'Connecting you to an agent.' },
      { type: 'transfer', skillId: /^[0-9]+$/.test(payload.skillId) ? payload.skillId : '0' },
    ];
  }
  return 'ok';
}
