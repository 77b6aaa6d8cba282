// A V1 lambda shaped like the platform's Messaging Conversation Survey templates:
// declared at the top level (not exported), result through callback(error, result).
const _ = require('lodash');

function lambda(input, callback) {
  const payload = input.payload;
  const conversationId = payload.conversationId;
  // Optional fields may be absent: read them defensively.
  const closeReason = _.get(payload, 'closeReason', 'UNKNOWN');
  const lastMessage = _.get(payload, 'lastContentEventNotification.event.message', '');
  // Logs are capped at 6000 characters per invocation: never log unbounded payload text whole.
  console.info(`survey event for conversation ${_.truncate(conversationId, { length: 64 })}, closeReason=${closeReason}`);

  if (payload.state === 'OPEN' && closeReason === 'CONSUMER') {
    const text = lastMessage.length > 0
      ? 'Thank you for taking our survey.'
      : 'Thank you for your feedback.';
    callback(null, [{ type: 'systemMessage', text: text }]);
    return;
  }
  callback(null, 'ok');
}
