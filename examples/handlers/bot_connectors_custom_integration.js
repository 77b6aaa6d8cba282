// A V1 Third-Party Bots Custom Integration: the function is the bot. It answers each consumer
// message (or the WELCOME event) with messages and, when asked for an agent, a TRANSFER action
// (custom-integration page: 'Sending messages', 'Transfer / Escalations').
function lambda(input, callback) {
  const payload = input.payload;
  const eventName = payload.event && typeof payload.event.name === 'string' ? payload.event.name : '';
  const message = typeof payload.message === 'string' ? payload.message : '';
  if (eventName === 'WELCOME' || message === '') {
    callback(null, { messages: ['Hi, I am the demo bot. Type "agent" to talk to a person.'] });
    return;
  }
  if (/agent/i.test(message)) {
    callback(null, {
      messages: ['Please wait while I find an agent for you.'],
      context: { action: 'TRANSFER', actionParameters: { skill: 'human_skill' } },
    });
    return;
  }
  callback(null, { messages: [`You said: ${message.slice(0, 500)}`], context: { intentId: 'echo', confidenceScore: 1 } });
}
