// A V1 Conversational Command: an agent types "/echo some words" in the Agent Workspace; the result
// must be a string or a number, shown to the agent (conversational-commands event-source page).
function lambda(input, callback) {
  const args = Array.isArray(input.payload.arguments) ? input.payload.arguments : [];
  if (args.length === 0) {
    callback(null, 'usage: /echo [words...]');
    return;
  }
  // Arguments are agent input: cap what goes back into the transcript.
  callback(null, args.join(' ').slice(0, 2000));
}
