"""A Python handler with the same contract as the JS lambdas: ``handle(input) -> result``."""


def handle(input):
    payload = input["payload"]
    if payload.get("closeReason") == "AGENT":
        return {"type": "systemMessage", "text": f"Survey for {payload['conversationId'] or 'your conversation'} recorded."}
    if payload["state"] == "CLOSE" and not payload["dialogs"]:
        return {"type": "closeConversation"}
    return "ok"
