// A V1 Third-Party Bots pre or post hook: it receives the vendor payload (request or response) and
// returns it, modified (hook-configuration page: every example ends with callback(null, payload)).
// Payloads differ by vendor, so every field is read defensively.
function lambda(input, callback) {
  const payload = input.payload;
  if (payload && !Array.isArray(payload) && typeof payload.message === 'string') {
    payload.message = payload.message.trim(); // Custom Integration, Watson, Lex
  }
  if (payload && !Array.isArray(payload) && Array.isArray(payload.messages)) {
    payload.messages = payload.messages.filter((m) => m !== ''); // Custom Integration post hook
  }
  callback(null, payload);
}
