"""Writes the golden and negative examples of the platform's other events in contracts/v2 (issue 20):
the automatic-messages (controller bot) events, the chat post-survey e-mail transcript, conversational
commands and the third-party bots hooks and custom integration. The files are the source of truth; this
script shows how each was built. The survey events' examples are tools/make_examples.py's.

Every example is ``{"source": ..., "payload": ...}`` (negative ones add ``rejectAt`` and ``why``): the
source names the LivePerson material the shape comes from (LivePerson's own JSON samples verbatim where
a page has one), or says "decided here".
"""

import copy
import json
from pathlib import Path

AM = "developer-center EventSources/automatic-messages.md (liveperson-functions-event-sources-automatic-messages.html), 'Payload Details' table"
CPS = "developer-center EventSources/chat-post-survey.md (liveperson-functions-event-sources-chat-post-survey.html)"
CC = "developer-center EventSources/conversational-commands.md (liveperson-functions-event-sources-conversational-commands.html)"
HOOKS = "developer-center Third-Party Bots 'Hook Configuration' page (third-party-bots-hook-configuration.html)"
CI = "developer-center Third-Party Bots 'Custom Integration' page (third-party-bots-custom-integration.html)"

# -- automatic messages (controller bot) -----------------------------------------------------------
# The table's 'general' rows, each with the table's own example value and type (NUMBER ids as numbers).
AM_GENERAL = {
    "type": "UPSERT",
    "convId": "c840e51e-5f65-4ad4-8d34-5c82b99a2200",
    "dialogId": "c840e51e-5f65-4ad4-8d34-5c82b99a2200",
    "sessionId": 1528463744580,
    "startTs": 1528463744663,
    "effectiveTTR": 1528464044687,
    "oldConvState": "CLOSE",
    "newConvState": "OPEN",
    "contexttype": "SharkContext",
    "campaignInfo": {"id": 2327699812, "engangementId": 2327699912},
    "clientLanguage": "en-US",
    "clientFeatures": ["AUTO_MESSAGES", "MULTI_DIALOG"],
    "inOffHours": False,
    "visitorId": 1528463744580,
    "originatorId": 37607275.23,
    "originatorPid": "f39fbc5f-da77-5417-8bc7-7584efdd1a5e",
    "originatorMetadata": {"id": "f39fbc5f-da77-5417-8bc7-7584efdd1a5e", "role": "CONTROLLER"},
    "serverTimestamp": 1528463781807,
    "clientIpAdress": "172.26.138.38",
    "manualETTR": "1541152938069",
    "lastMessageComposer": "CONSUMER",
    "lastMessageTs": 1541152938069,
    "lastAgentMsgTs": 1541152938069,
    "backToQueueTs": 1541152938069,
}
TIME = {"time": 30, "timeUnits": "minutes"}
PARTS_OLD = [{"id": "f9d58c57-c489-45f5-bae4-c5ebd52b3972", "role": "ASSIGNED_AGENT"}]
PARTS_NEW = [{"id": "f9d58c57-c489-45f5-bae4-c5ebd52b3972", "role": "ASSIGNED_AGENT"}, {"id": "f9d58c57-c489-45f5-bae4-c5ebd52b3972", "role": "AGENT"}]
# event -> (cbotEventTypes from the mapping table, the table's rows of the event's group, negatives)
CB = {
    "controllerbot_messaging_new_conversation": (
        ["CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME_OFF_HOURS", "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS", "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME", "CONSUMER_OPEN_NEW_CONVERSATION", "CONSUMER_OPEN_NEW_CONVERSATION_AFTER_AUTOCLOSE"],
        {"firstConversation": True},
        {"first-conversation-string": ("/firstConversation", "firstConversation is a BOOLEAN (the table; the page writes TRUE/FALSE, a JSON boolean)", {"firstConversation": "TRUE"})},
    ),
    "controllerbot_messaging_ttr": (
        ["AGENT_UPDATED_RESPONSE_TIME", "CONSUMER_CANCELED_URGENT_RESPONSE_TIME", "CONSUMER_ASKED_URGENT_RESPONSE_TIME"],
        {"oldTtr": {"ttrType": "NORMAL", "value": 600}, "newTtr": {"ttrType": "URGENT", "value": 300}},
        {"new-ttr-type-unknown": ("/newTtr/ttrType", "ttrType is URGENT, NORMAL, PRIORITIZED or CUSTOM (the survey payload's ttr)", {"newTtr": {"ttrType": "LOW", "value": 300}})},
    ),
    "controllerbot_messaging_participants_change": (
        ["YOU_ARE_CONNECTED_TO", "BACK_TO_QUEUE", "JOINED_AGENT_LEFT_CONVERSATION", "ANOTHER_AGENT_JOINED_CONVERSATION"],
        {"oldParticipants": PARTS_OLD, "newParticipants": PARTS_NEW},
        {"new-participants-object": ("/newParticipants", "newParticipants is an ARRAY (the table)", {"newParticipants": {"id": "f9d58c57-c489-45f5-bae4-c5ebd52b3972", "role": "AGENT"}})},
    ),
    "controllerbot_messaging_conversation_idle": (
        ["CONV_AWAITING_IN_QUEUE", "AGENT_NON_RESPONSIVE", "CONSUMER_NON_RESPONSIVE"],
        {"lastConsumerMsgTs": 1541152938069, "agentNonResponsive": TIME, "consumserNonResponsive": TIME, "convNotTakenTime": TIME},
        {"non-responsive-time-string": ("/agentNonResponsive/time", "agentNonResponsive.time is a NUMBER (the table, example 30)", {"agentNonResponsive": {"time": "30", "timeUnits": "minutes"}})},
    ),
    "controllerbot_messaging_conversation_routing": (
        ["ENGAGEMENT_TRANSFERED"],
        {"oldSkillId": "563268", "newSkillId": "563267"},
        {"new-skill-id-number": ("/newSkillId", "newSkillId is a STRING (the table, example 563267), as the survey payload's skillId", {"newSkillId": 563267})},
    ),
    "controllerbot_messaging_mid_conversation_msg": (
        ["CONSUMER_SEND_MESSAGE_ON_OFFHOURS"],
        {"openedInOffHours": False},
        {"opened-in-off-hours-string": ("/openedInOffHours", "openedInOffHours is a BOOLEAN (the table)", {"openedInOffHours": "FALSE"})},
    ),
    "controllerbot_messaging_conversation_end": (
        ["AGENT_END_CONVERSATION", "CONSUMER_END_CONVERSATION", "SYSTEM_END_CONVERSATION"],
        {"closeReason": "CONSUMER"},
        {"close-reason-unknown": ("/closeReason", "closeReason is AGENT, CONSUMER or SYSTEM (the table; the survey payload's closed list)", {"closeReason": "TIMEOUT"})},
    ),
}
CB_NEGATIVES = {
    "missing-conv-id": ("", "convId is required (decided here: every event is about one conversation)", lambda p: p.pop("convId")),
    "missing-cbot-event-type": ("", "cbotEventType 'is included in the invocation payload' (automatic-messages page)", lambda p: p.pop("cbotEventType")),
    "in-off-hours-string": ("/inOffHours", "inOffHours is a BOOLEAN (the table)", lambda p: p.update(inOffHours="TRUE")),
    "start-ts-string": ("/startTs", "startTs is a NUMBER timestamp (the table)", lambda p: p.update(startTs="1528463744663")),
    "old-conv-state-lowercase": ("/oldConvState", "dialog states are OPEN or CLOSE", lambda p: p.update(oldConvState="close")),
    "client-features-not-strings": ("/clientFeatures/0", "clientFeatures are strings (the table, example [\"AUTO_MESSAGES\", \"MULTI_DIALOG\"])", lambda p: p.update(clientFeatures=[1])),
}


def controller_bot():
    out = {}
    for event, (types, group, negatives) in CB.items():
        golden = {}
        full = {"cbotEventType": types[0], **AM_GENERAL, **group}
        golden["table-values"] = (f"{AM}: every 'general' row and the event's own rows with the table's example values and types (no JSON sample exists); cbotEventType from the page's mapping table", full)
        for t in types[1:]:
            golden[f"event-type-{t.lower().replace('_', '-')}"] = (f"{AM}: the mapping table maps {t} to this event; other fields as table-values", {**full, "cbotEventType": t})
        golden["required-only"] = ("decided here: only cbotEventType and convId are required (automatic-messages page: cbotEventType is included; convId names the conversation)", {"cbotEventType": types[0], "convId": AM_GENERAL["convId"]})
        strings = dict(full, originatorId="89476943.282467514", sessionId="iGY4vsiETB-Zsyi7IGlIk1", visitorId="hjMTk3ZTcwZmFhZjc3NDk2", manualETTR=1541152938069, effectiveTTR=-1)
        golden["string-ids"] = ("ids as strings where LivePerson's own schemas write them (originatorId: developer-center assets/schema/ms/messagingEventNotification.json; sessionId, visitorId: the survey payload's context, seed); effectiveTTR -1 (Post Chat Survey Transcripts sample); manualETTR as a number: accepted, decided here", strings)
        golden["off-hours-closing"] = (f"{AM}: inOffHours TRUE, the dialog going from OPEN to CLOSE (the table's oldConvState/newConvState values swapped; decided here)", dict(full, inOffHours=True, oldConvState="OPEN", newConvState="CLOSE"))
        golden["agent-originator"] = (f"{AM}: the originator an agent (originatorId the accountId.agentId string of developer-center assets/schema/ms/messagingEventNotification.json, originatorMetadata role ASSIGNED_AGENT), lastMessageComposer AGENT (decided here)", dict(full, originatorId="89476943.282467514", originatorMetadata={"id": "393c6873-756d-54af-86e1-8795d57eba14", "role": "ASSIGNED_AGENT"}, lastMessageComposer="AGENT"))
        golden["general-rows-only"] = (f"{AM}: only 'general' rows, none of the event's own (decided here: every group row is optional)", {"cbotEventType": types[-1], **{k: AM_GENERAL[k] for k in ("type", "convId", "dialogId", "startTs", "serverTimestamp", "clientLanguage")}})
        drift = dict(full, accountId="12345678", campaignInfo={"campaignId": 2327699812, "engagementId": 2327699912})
        golden["unknown-fields-drift"] = ("fields the contract does not name (accountId; campaignInfo with the survey payload's spelling; decided here): valid, check-payloads reports them as drift warnings", drift)
        invalid = {}
        for name, (ptr, why, mutate) in CB_NEGATIVES.items():
            p = copy.deepcopy(full)
            mutate(p)
            invalid[name] = (ptr, why, f"{AM}, table-values broken on purpose", p)
        for name, (ptr, why, patch) in negatives.items():
            invalid[name] = (ptr, why, f"{AM}, table-values broken on purpose", {**copy.deepcopy(full), **patch})
        out[event] = (golden, invalid)
    return out


# -- chat post survey e-mail transcript ------------------------------------------------------------
DENVER_LP = {"csatRank": 3, "skillName": "CustomerCare", "agentName": "John Doe", "questionWithAnswers": [{"question": "How was the chat experience?", "answer": "Poor;Below Average"}]}


def denver():
    golden = {
        "lp-sample-payload": (f"{CPS}, 'Payload Details' JSON sample, its payload verbatim", DENVER_LP),
        "no-rank": (f"csatRank -1 when no rank was given: {CPS}, the page's sample lambda tests 'csatRank > -1' (decided here from it); other fields from the JSON sample", {**DENVER_LP, "csatRank": -1}),
        "very-satisfied-no-questions": (f"csatRank 5 'Very Satisfied' ({CPS}); no question answered: an empty list (decided here)", {**DENVER_LP, "csatRank": 5, "questionWithAnswers": []}),
        "several-answers-non-ascii": (f"{CPS}: 'List of all survey questions which were answered'; non-ASCII names and answers (decided here)", {**DENVER_LP, "agentName": "Zoë Müller", "questionWithAnswers": [{"question": "How was the chat experience?", "answer": "Très bien"}, {"question": "Did we solve your issue?", "answer": "Yes"}]}),
        "unknown-fields-drift": ("a field the contract does not name (conversationId; decided here): valid, a drift warning", {**DENVER_LP, "conversationId": "c840e51e-5f65-4ad4-8d34-5c82b99a2200"}),
        "very-dissatisfied": (f"csatRank 1 'Very Dissatisfied' ({CPS}); other fields from the JSON sample", {**DENVER_LP, "csatRank": 1}),
        "multi-selection-answer": (f"{CPS}: 'For multi-selection, the answers will be separated by a semicolon'", {**DENVER_LP, "questionWithAnswers": [{"question": "What could we improve?", "answer": "Speed;Friendliness;Knowledge"}]}),
        "empty-agent-name": ("an empty agentName (decided here: a chat without an agent's full name on file; any string is accepted)", {**DENVER_LP, "agentName": ""}),
    }
    src = f"{CPS}, JSON sample broken on purpose"
    invalid = {
        "csat-rank-six": ("/csatRank", "csatRank is 1-5 (or -1)", src, {**DENVER_LP, "csatRank": 6}),
        "csat-rank-string": ("/csatRank", "csatRank is numeric", src, {**DENVER_LP, "csatRank": "3"}),
        "missing-agent-name": ("", "the page lists agentName among the data the event sends", src, {k: v for k, v in DENVER_LP.items() if k != "agentName"}),
        "questions-not-array": ("/questionWithAnswers", "questionWithAnswers is a list", src, {**DENVER_LP, "questionWithAnswers": {"question": "q", "answer": "a"}}),
        "answer-number": ("/questionWithAnswers/0/answer", "an answer is a string (multi-selection joined with ';')", src, {**DENVER_LP, "questionWithAnswers": [{"question": "How likely are you to recommend us?", "answer": 10}]}),
    }
    return golden, invalid


# -- conversational command ------------------------------------------------------------------------
CC_LP = {"conversationId": "4711", "arguments": ["echo", "this", "message"]}


def conversational_command():
    golden = {
        "lp-sample-payload": (f"{CC}, the JSON sample's payload verbatim", CC_LP),
        "table-values": (f"{CC}, 'Payload details' table examples", {"conversationId": "c840e51e-5f65-4ad4-8d34-5c82b99a2200", "arguments": ["arg1", "arg2", "argN"]}),
        "no-arguments": ("a command typed without arguments: an empty list (decided here)", {"conversationId": "c840e51e-5f65-4ad4-8d34-5c82b99a2200", "arguments": []}),
        "email-arguments": (f"{CC}: the page's example description '[email, subject:optional]'", {"conversationId": "c840e51e-5f65-4ad4-8d34-5c82b99a2200", "arguments": ["jane.doe@example.com", "Your transcript"]}),
        "single-argument": (f"{CC}: one argument (decided here)", {"conversationId": "fb84c76d-0daa-46c7-b02d-eb6130c022c9", "arguments": ["jane.doe@example.com"]}),
        "non-ascii-arguments": ("arguments an agent types in other scripts (decided here)", {"conversationId": "fb84c76d-0daa-46c7-b02d-eb6130c022c9", "arguments": ["Très", "שלום", "你好", "👍"]}),
        "empty-argument": ("an empty-string argument (decided here: the workspace may pass what the agent typed between separators)", {"conversationId": "fb84c76d-0daa-46c7-b02d-eb6130c022c9", "arguments": ["", "x"]}),
    }
    src = f"{CC}, JSON sample broken on purpose"
    invalid = {
        "arguments-numbers": ("/arguments/0", "arguments are strings (the table: 'Array of strings')", src, {**CC_LP, "arguments": [1, 2]}),
        "arguments-string": ("/arguments", "arguments is an ARRAY", src, {**CC_LP, "arguments": "echo this message"}),
        "missing-conversation-id": ("", "conversationId is in the table", src, {"arguments": ["echo"]}),
        "conversation-id-number": ("/conversationId", "conversationId is a STRING", src, {**CC_LP, "conversationId": 4711}),
    }
    return golden, invalid


# -- third-party bots hooks ------------------------------------------------------------------------
PRE = {
    "dialogflow-v2": {"session": "projects/bot-platform-e2e-dialogflow-v2/agent/sessions/H33768522138087366-90a6a5e2abc3441f8143aa6e974917c0K8427027", "queryInput": {"text": {"text": "customer message", "languageCode": "en"}}, "queryParams": {"payload": {"fields": {"lpEvent": {"kind": "structValue", "structValue": {"fields": {}}}, "lpSdes": {"kind": "structValue", "structValue": {"fields": {}}}}}}},
    "custom-integration": {"convId": "H8423979229452698115-36ffcd957be440fc9237c47171915910K8427029", "context": {"lpEvent": {}, "lpSdes": {}}, "message": "customer message"},
    "lex": {"inputText": "customer message", "userId": "H5342745964768308410-9c1c3fe8504b4df19e8ff3b32ce06decK8427030", "requestAttributes": {"BC-LP-CONTEXT": ""}, "sessionAttributes": {"convId": "H5342745964768308410-9c1c3fe8504b4df19e8ff3b32ce06decK8427030"}},
    "microsoft": {"text": "customer message", "channelData": {"context": {"convId": "H4575915164251208380-91a3e9dd55b748da836ee41d63764606K8427031", "msConversationId": "1qybmjJrDgL9Gx7GPDpY30-h", "lpEvent": {"conversationContext": {}}, "lpSdes": {}}}},
    "watson": {"message": "customer message", "context": {"convId": "H6564608140903420356-3e6dfd3c3a2441edb38ca829da34e7a0K8427035", "lpEvent": {"conversationContext": {}}, "lpSdes": {}, "conversation_id": "083ef8c3-0b9e-4208-9bf4-ec8fa921edb8", "system": {"initialized": True, "dialog_stack": [{"dialog_node": "root"}], "dialog_turn_counter": 1, "dialog_request_counter": 1, "_node_output_map": {"Welcome": [0]}, "branch_exited": True, "branch_exited_reason": "completed"}}},
}
MS_POST = {"type": "message", "id": "1qybmjJrDgL9Gx7GPDpY30-h|0000003", "timestamp": "2019-10-25T07:26:03.7258774Z", "channelId": "directline", "from": {"id": "e2e-bot", "name": "e2e-bot"}, "conversation": {"id": "1qybmjJrDgL9Gx7GPDpY30-h"}, "text": "I don't understand your question. Can you phrase that differently?", "inputHint": "acceptingInput", "replyToId": "1qybmjJrDgL9Gx7GPDpY30-h|0000002"}
POST = {
    "dialogflow-v2": {"responseId": "c85d5898-917d-4a6e-a16a-184f29f89ab3-d5ae01f3", "queryResult": {"fulfillmentMessages": [{"platform": "PLATFORM_UNSPECIFIED", "text": {"text": ["This was a combined message!"]}, "message": "text"}], "outputContexts": [{"name": "projects/bot-platform-e2e-dialogflow-v2/agent/sessions/H4545798003469798002-306370c9dc8346de9d36758e97c65e1eK8427028/contexts/defaultwelcomeintent-followup", "lifespanCount": 1, "parameters": {"fields": {"testparam.original": {"stringValue": "", "kind": "stringValue"}, "testparam": {"stringValue": "", "kind": "stringValue"}}}}], "queryText": "customer message", "speechRecognitionConfidence": 0, "action": "", "parameters": {"fields": {}}, "allRequiredParamsPresent": True, "fulfillmentText": "This was a combined message!", "webhookSource": "", "webhookPayload": None, "intent": {"inputContextNames": [], "events": [], "trainingPhrases": [], "outputContexts": [], "parameters": [], "messages": [], "defaultResponsePlatforms": [], "followupIntentInfo": [], "name": "projects/bot-platform-e2e-dialogflow-v2/agent/intents/0e151fa2-9554-4eca-be6e-d916d277e8cf", "displayName": "test combined messages intent", "priority": 0, "isFallback": False, "webhookState": "WEBHOOK_STATE_UNSPECIFIED", "action": "", "resetContexts": False, "rootFollowupIntentName": "", "parentFollowupIntentName": "", "mlDisabled": False}, "intentDetectionConfidence": 0.49996501207351685, "diagnosticInfo": None, "languageCode": "en", "sentimentAnalysisResult": None}, "webhookStatus": None, "outputAudio": {"type": "Buffer", "data": []}, "outputAudioConfig": None},
    "custom-integration": {"context": {}, "messages": ["customer message"]},
    "lex": {"intentName": None, "sessionAttributes": {"convId": "H5342745964768308410-9c1c3fe8504b4df19e8ff3b32ce06decK8427030"}, "message": "Sorry, can you please repeat that?", "messageFormat": "PlainText", "dialogState": "ElicitIntent", "slotToElicit": None},
    "microsoft": MS_POST,
    "watson": {"intents": [{"intent": "goodbye", "confidence": 0.41433813571929934}], "entities": [], "input": {"text": "customer message"}, "output": {"generic": [{"response_type": "text", "text": "Thanks for chatting with us today!"}], "text": ["Thanks for chatting with us today!"], "nodes_visited": ["node_2_1526535774449"], "log_messages": []}, "context": {"convId": "H6564608140903420356-3e6dfd3c3a2441edb38ca829da34e7a0K8427035", "lpEvent": {}, "lpSdes": {}, "conversation_id": "083ef8c3-0b9e-4208-9bf4-ec8fa921edb8", "system": {"initialized": True, "dialog_stack": [{"dialog_node": "node_2_1526535774449"}], "dialog_turn_counter": 2, "dialog_request_counter": 2, "_node_output_map": {"Welcome": [0], "node_2_1526535774449": [0]}, "branch_exited": True, "branch_exited_reason": "completed"}}, "actions": [{"name": "CLOSE_CONVERSATION", "type": "client", "parameters": {}, "result_variable": "none"}]},
}


def hooks():
    pre_golden = {f"{k}-sample": (f"{HOOKS}, 'Pre Hook' > {k} example payload, verbatim", v) for k, v in PRE.items()}
    post_golden = {f"{k}-sample": (f"{HOOKS}, 'Post Hook' > {k} request payload, verbatim", v) for k, v in POST.items()}
    pre_golden["dialogflow-v2-german"] = (f"{HOOKS}, 'Pre Hook' > DialogflowV2 example payload with a German message and languageCode de (decided here)", {**PRE["dialogflow-v2"], "queryInput": {"text": {"text": "Grüß Gott, ich brauche Hilfe", "languageCode": "de"}}})
    pre_golden["custom-integration-engagement-attributes"] = (f"{HOOKS}, 'Pre Hook' > Custom Integration request payload with lpSdes filled ({CI}, 'Engagement attributes as context'; contents decided here)", {**PRE["custom-integration"], "context": {"lpEvent": {}, "lpSdes": {"unauthenticatedSdes": {"events": []}, "authenticatedSdes": {}}}})
    post_golden["custom-integration-structured-content"] = (f"{HOOKS}, 'Post Hook' > Custom Integration request payload with a structured-content message as {CI} 'Sending Structured content via messages property' shows it", {"context": {}, "messages": ["Hi How are you doing?", {"structuredContent": {"type": "vertical", "elements": [{"type": "button", "click": {"actions": [{"text": "Recommend me a movie, please", "type": "publishText"}]}, "title": "Recommend a movie"}]}, "metadata": {"type": "ExternalId", "id": "12345"}}]})
    post_golden["microsoft-activities-array"] = (f"{HOOKS}, 'Post Hook' > Microsoft Bot Framework: the page's example code reads payload[0].text, so the activities may arrive as an array (decided here from that code; the sample itself is one activity)", [MS_POST])
    pre_src = f"{HOOKS}, 'Pre Hook' > custom-integration sample broken on purpose"
    pre_invalid = {
        "message-number": ("/message", "message is the customer's text (every sample: a string)", pre_src, {**PRE["custom-integration"], "message": 42}),
        "context-string": ("/context", "context is an object in every sample", pre_src, {**PRE["custom-integration"], "context": "lpEvent"}),
        "payload-array": ("", "a pre-hook payload is the vendor request, an object in every sample", pre_src, [PRE["custom-integration"]]),
    }
    post_src = f"{HOOKS}, 'Post Hook' sample broken on purpose"
    post_invalid = {
        "messages-string": ("/messages", "messages is a list of messages (custom integration sample)", post_src, {"context": {}, "messages": "customer message"}),
        "text-number": ("/text", "text is the bot's message (Microsoft sample: a string)", post_src, {**MS_POST, "text": 7}),
        "payload-string": ("", "the vendor response is an object (or a list of activities)", post_src, "This was a combined message!"),
    }
    return (pre_golden, pre_invalid), (post_golden, post_invalid)


# -- third-party bots custom integration -----------------------------------------------------------
CI_SAMPLE = PRE["custom-integration"]


def custom_integration():
    golden = {
        "hook-page-sample": (f"{HOOKS}, 'Pre Hook' > Custom Integration request payload (the payload this event's function receives), verbatim", CI_SAMPLE),
        "welcome-event": (f"the welcome event: {CI}, 'Payload Information' (event: 'event triggered by the customer (welcome event)') and 'Welcome Event' (the default 'WELCOME' event), read as event.name ('Engagement attributes as context' destructuring); decided here: no message with it", {"convId": CI_SAMPLE["convId"], "context": {"lpEvent": {}, "lpSdes": {}}, "event": {"name": "WELCOME"}}),
        "engagement-attributes": (f"{CI}, 'Engagement attributes as context': lpSdes with unauthenticatedSdes and authenticatedSdes (their contents decided here, free-form)", {**CI_SAMPLE, "context": {"lpEvent": {"type": "ContentEvent"}, "lpSdes": {"unauthenticatedSdes": {"events": []}, "authenticatedSdes": {}}}}),
        "unknown-fields-drift": ("a field the contract does not name (botId; decided here): valid, a drift warning", {**CI_SAMPLE, "botId": "3d2f1a0c-6b1b-4e59-b302-18d6b826191b"}),
        "non-ascii-message": (f"{HOOKS} Custom Integration request payload with a non-ASCII customer message (decided here)", {**CI_SAMPLE, "message": "Merci ! Très bien 👍 — שלום"}),
        "empty-message": (f"{HOOKS} Custom Integration request payload with an empty message (decided here: 'message sent by the customer' may be empty, e.g. a file without text)", {**CI_SAMPLE, "message": ""}),
        "minimal-conv-id-only": ("convId only (decided here: the one required field)", {"convId": CI_SAMPLE["convId"]}),
    }
    src = f"{HOOKS}, Custom Integration request payload broken on purpose"
    invalid = {
        "missing-conv-id": ("", "convId is in the sample and in the page's destructuring (required: decided here)", src, {k: v for k, v in CI_SAMPLE.items() if k != "convId"}),
        "message-number": ("/message", "message is a string (custom-integration page, 'Payload Information')", src, {**CI_SAMPLE, "message": 1}),
        "event-string": ("/event", "event is an Object (custom-integration page, 'Payload Information')", src, {**CI_SAMPLE, "event": "WELCOME"}),
    }
    return golden, invalid


def _write(path, doc):
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def all_examples():
    """event -> (golden: name -> (source, payload), invalid: name -> (rejectAt, why, source, payload))."""
    out = dict(controller_bot())
    out["denver_post_survey_email_transcript"] = denver()
    out["conversational_command"] = conversational_command()
    pre, post = hooks()
    out["bot_connectors_pre_hook"] = pre
    out["bot_connectors_post_hook"] = post
    out["bot_connectors_custom_integration"] = custom_integration()
    return out


def main():
    examples = Path(__file__).resolve().parents[1] / "contracts" / "v2" / "examples"
    for event, (golden, invalid) in all_examples().items():
        d = examples / event
        (d / "invalid").mkdir(parents=True, exist_ok=True)
        for old in list(d.glob("*.json")) + list((d / "invalid").glob("*.json")):
            old.unlink()
        for name, (source, payload) in golden.items():
            _write(d / f"{name}.json", {"source": source, "payload": payload})
        for name, (pointer, why, source, payload) in invalid.items():
            _write(d / "invalid" / f"{name}.json", {"rejectAt": pointer, "why": why, "source": source, "payload": payload})


if __name__ == "__main__":
    main()
