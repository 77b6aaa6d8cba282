// A V1 lambda for the Automatic Messages (controller bot) events, e.g. Messaging Conversation Idle.
// Commands as the automatic-messages event-source page documents them (transfer, systemMessage,
// closeConversation; only the first command of each type counts). Returning nothing (callback())
// lets the platform send the account's default automatic message.
const _ = require('lodash');

function lambda(input, callback) {
  const payload = input.payload;
  // cbotEventType tells which conversation event fired this messaging event (the page's mapping table).
  const type = _.get(payload, 'cbotEventType', '');
  console.info(`automatic message for conversation ${_.truncate(String(payload.convId), { length: 64 })}, type=${_.truncate(type, { length: 64 })}`);

  if (type === 'CONSUMER_NON_RESPONSIVE') {
    callback(null, [{ type: 'systemMessage', text: 'We close this conversation for now; write any time.' }, { type: 'closeConversation' }]);
    return;
  }
  if (type === 'AGENT_NON_RESPONSIVE' || type === 'CONV_AWAITING_IN_QUEUE') {
    callback(null, { type: 'transfer', skillId: '563267' });
    return;
  }
  if (type === 'CONSUMER_SEND_MESSAGE_ON_OFFHOURS') {
    callback(null, []); // nothing to do, and no default message either
    return;
  }
  callback(); // the account's default automatic message
}
