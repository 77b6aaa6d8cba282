// A V1 Chat Post Survey E-Mail Transcript lambda: it decides which transcripts the chat server sends
// by returning a list of {targetEmail, senderName, senderEmail, subject} (chat-post-survey page); an
// empty list sends none.
function lambda(input, callback) {
  const payload = input.payload;
  const emails = [];
  // csatRank is 1-5, or -1 when no rank was given (the page's sample tests csatRank > -1).
  if (typeof payload.csatRank === 'number' && payload.csatRank > -1 && payload.csatRank <= 2) {
    emails.push({
      targetEmail: 'care-team@example.com',
      senderName: 'Survey bot',
      senderEmail: 'no-reply@example.com',
      subject: `Low CSAT (${payload.csatRank}) for ${String(payload.skillName).slice(0, 100)}`,
    });
  }
  callback(null, emails);
}
