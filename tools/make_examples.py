"""Writes the golden and negative examples of contracts/v1 and contracts/v2 (their payloads are the
same contract); the files are the source of truth, this script shows how each one was built.

Every example is ``{"source": ..., "payload": ...}`` (negative ones add ``rejectAt`` and ``why``):
the source names the LivePerson material the shape comes from, or says "decided here".
"""

import copy
import json
from pathlib import Path

CLIENT = {"type": ".ClientProperties", "appId": "webAsync", "ipAddress": "127.0.0.1", "deviceFamily": "DESKTOP", "os": "OSX", "osVersion": "10.14.3", "integration": "WEB_SDK", "integrationVersion": "3.0.25", "browser": "CHROME", "browserVersion": "72.0.3626.119", "features": ["PHOTO_SHARING", "CO_BROWSE", "QUICK_REPLIES", "AUTO_MESSAGES", "MULTI_DIALOG", "RICH_CONTENT"]}

# The seed's payload table assembled into one payload (its stray trailing commas fixed).
SEED = {
    "conversationId": "c840e51e-5f65-4ad4-8d34-5c82b99a2200",
    "accountId": "12345678",
    "surveyId": 3387141511,
    "surveyRevision": 2,
    "skillId": "563267",
    "effectiveTTR": 1528464044687,
    "lastContentEventNotification": {
        # The seed's table labels it NUMBER; LivePerson's schema types it string (see "seed-full").
        "originatorId": "37607275.23",
        "originatorPId": "f39fbc5f-da77-5417-8bc7-7584efdd1a5e",
        "sequence": 1,
        "serverTimestamp": 1528463781807,
        "event": {"contentType": "text/plain", "message": "Thank you for messaging us. Our contact center is currently closed. An agent should reply within 11 hours and 40 minutes.", "type": "ContentEvent"},
        "originatorClientProperties": CLIENT,
    },
    "campaignInfo": {"campaignId": 2451931211, "engagementId": 2451931311},
    "closeReason": "CONSUMER",
    "context": {"clientProperties": CLIENT, "interactionContextId": "5", "lang": "en-US", "sessionId": "iGY4vsiETB-Zsyi7IGlIk1", "type": "SharkContext", "visitorId": "hjMTk3ZTcwZmFhZjc3NDk2"},
    "dialogs": [
        {"dialogId": "efSg0XbnTkmg8OXaSyaz81", "participantsDetails": [{"id": "49b673cb7d08168a9f14640346340237054482174d65ff8c70e0f4d0d9bfa911", "role": "CONSUMER", "state": "ACTIVE"}], "dialogType": "POST_SURVEY", "channelType": "MESSAGING", "metaData": {"appInstallId": "829d951a-777e-46a3-98db-c06214e3f401"}, "state": "OPEN", "creationTs": 1551702854131, "metaDataLastUpdateTs": 1551702854131},
        {"dialogId": "fb84c76d-0daa-46c7-b02d-eb6130c022c1", "participantsDetails": [{"id": "49b673cb7d08168a9f14640346340237054482174d65ff8c70e0f4d0d9bfa911", "role": "CONSUMER", "state": "ACTIVE"}], "dialogType": "MAIN", "channelType": "MESSAGING", "state": "CLOSE", "creationTs": 1551702813391, "endTs": 1551702854131, "metaDataLastUpdateTs": 1551702854131, "closedBy": "CONSUMER", "closedCause": "Closed by consumer"},
    ],
    "firstConversation": False,
    "participants": [{"id": "f9d58c57-c489-45f5-bae4-c5ebd52b3972", "role": "ASSIGNED_AGENT"}, {"id": "f9d58c57-c489-45f5-bae4-c5ebd52b3972", "role": "AGENT"}],
    "state": "OPEN",
    "startTs": 1528463744663,
    "ttr": {"ttrType": "URGENT", "value": 300},
    "lastQuestionId": "2741eea2-e184-4cd4-abbe-e8f6e1d26681",
}
REQUIRED = ["conversationId", "accountId", "surveyId", "surveyRevision", "skillId", "state", "startTs", "dialogs", "participants"]


SEED_SRC = (
    "seed document 'Messaging Conversation Survey', 'Payload details' table (developer-center "
    "pages/Documents/DeveloperTools/LivePersonFunctions/EventSources/post-conversation-survey-legacy.md), "
    "assembled into one payload; originatorId 37607275.23 as the string LivePerson's schema types it "
    "(developer-center assets/schema/ms/messagingEventNotification.json)"
)
PDT = (
    "developer-center Functions page 'Post Chat Survey Transcripts' "
    "(liveperson-functions-use-cases-post-chat-survey-transcripts), 'Payload details' JSON sample"
)
SDK_FIX = "node-agent-sdk test/agent_sdk_test.js and test/TransformError1.json (conversation records)"
SDK_README = "node-agent-sdk README.md, cqm.ExConversationChangeNotification example"
COB = "developer-center Messaging Window API tutorial 'CoBrowse' (consumer-int-cobrowse.html)"

CP_LP = {"os": "OSX", "type": ".ClientProperties", "appId": "webAsync", "browser": "CHROME", "features": ["PHOTO_SHARING", "CO_BROWSE", "QUICK_REPLIES", "AUTO_MESSAGES", "MULTI_DIALOG", "RICH_CONTENT"], "ipAddress": "127.0.0.1", "osVersion": "10.14.3", "integration": "WEB_SDK", "deviceFamily": "DESKTOP", "browserVersion": "72.0.3626.119", "integrationVersion": "3.0.25"}
# LivePerson's own JSON sample of the survey payload (PDT), verbatim but for accountId: the page shows
# the placeholder "accountId" where every real account id is digits.
LP_SAMPLE = {
    "ttr": {"value": 3600, "ttrType": "NORMAL"},
    "state": "CLOSE",
    "context": {"lang": "en-US", "type": "SharkContext", "sessionId": "iGY4vsiETB-Zsyi7IGlIk1", "visitorId": "hjMTk3ZTcwZmFhZjc3NDk2", "clientProperties": CP_LP, "interactionContextId": "3"},
    "dialogs": [
        {"state": "OPEN", "dialogId": "efSg0XbnTkmg8OXaSyaz81", "metaData": {"appInstallId": "829d951a-777e-46a3-98db-c06214e3f401"}, "creationTs": 1551702854131, "dialogType": "POST_SURVEY", "channelType": "MESSAGING", "participantsDetails": [{"id": "49b673cb7d08168a9f14640346340237054482174d65ff8c70e0f4d0d9bfa911", "role": "CONSUMER", "state": "ACTIVE"}], "metaDataLastUpdateTs": 1551702854131},
        {"endTs": 1551702854131, "state": "CLOSE", "closedBy": "CONSUMER", "dialogId": "fb84c76d-0daa-46c7-b02d-eb6130c022c1", "creationTs": 1551702813391, "dialogType": "MAIN", "channelType": "MESSAGING", "closedCause": "Closed by consumer", "participantsDetails": [{"id": "49b673cb7d08168a9f14640346340237054482174d65ff8c70e0f4d0d9bfa911", "role": "CONSUMER", "state": "ACTIVE"}], "metaDataLastUpdateTs": 1551702854131},
    ],
    "skillId": "3386914911",
    "startTs": 1551702813390,
    "surveyId": 3387141511,
    "accountId": "12345678",
    "closeReason": "CONSUMER",
    "campaignInfo": {"campaignId": 2451931211, "engagementId": 2451931311},
    "effectiveTTR": -1,
    "participants": [{"id": "49b673cb7d08168a9f14640346340237054482174d65ff8c70e0f4d0d9bfa911", "role": "CONSUMER"}],
    "conversationId": "fb84c76d-0daa-46c7-b02d-eb6130c022c9",
    "lastQuestionId": "2741eea2-e184-4cd4-abbe-e8f6e1d26681",
    "surveyRevision": 2,
    "firstConversation": False,
    "lastContentEventNotification": {
        "event": {"type": "ContentEvent", "message": "sdf", "contentType": "text/plain"},
        "dialogId": "fb84c76d-0daa-46c7-b02d-eb6130c022c1",
        "sequence": 0,
        "originatorId": "49b673cb7d08168a9f14640346340237054482174d65ff8c70e0f4d0d9bfa911",
        "originatorPId": "49b673cb7d08168a9f14640346340237054482174d65ff8c70e0f4d0d9bfa911",
        "serverTimestamp": 1551702813512,
        "originatorMetadata": {"id": "49b673cb7d08168a9f14640346340237054482174d65ff8c70e0f4d0d9bfa911", "role": "CONSUMER", "clientProperties": CP_LP},
        "originatorClientProperties": CP_LP,
    },
}


def _with_event(event):
    p = copy.deepcopy(SEED)
    p["lastContentEventNotification"]["event"] = event
    return p


def real_shapes():
    """Payloads carrying the shapes LivePerson's own material shows: name -> (source, payload)."""
    out = {"lp-sample-payload": (f"{PDT}; accountId set to digits (the page shows the placeholder 'accountId')", LP_SAMPLE)}
    out["hosted-file-last-event"] = (
        "hosted file event: developer-center assets/schema/ms/HostedFile.json (message {caption, relativePath, fileType}), "
        "node-agent-sdk README 'Share An Uploaded File' (contentType hosted/file); other fields from the seed",
        _with_event({"type": "ContentEvent", "contentType": "hosted/file", "message": {"caption": "Invoice", "relativePath": "/v1/async-images/0b5c4a3a.jpg", "fileType": "JPG"}}),
    )
    out["rich-content-last-event"] = (
        f"rich content event with 'content' and no 'message': {SDK_README} (lastContentEventNotification); other fields from the seed",
        _with_event({"type": "RichContentEvent", "content": {"type": "vertical", "elements": [{"type": "text", "text": "Product Name", "tooltip": "text tooltip", "style": {"bold": True, "size": "large"}}, {"type": "button", "tooltip": "button tooltip", "title": "Add to cart", "click": {"actions": [{"type": "link", "name": "Add to cart", "uri": "http://www.google.com"}]}}]}}),
    )
    cob = copy.deepcopy(SEED)
    cob["dialogs"].append({"dialogId": "COAPP", "participants": ["cc05f2b9-916b-496e-89fe-66a46d975ae2", "le83624296:356285412"], "dialogType": "OTHER", "channelType": "COBROWSE", "metaData": {"serviceId": "cc05f2b9-916b-496e-89fe-66a46d975ae2#7904fffd-fc68-4d93-b611-4dc06ab26bf4", "mode": "shared", "expires": 1502893131.855, "sessionState": "INVITED", "permissions": "audio,screen,control"}, "state": "OPEN", "creationTs": 1502893041905, "metaDataLastUpdateTs": 1502893041905})
    out["cobrowse-dialog"] = (f"co-browse dialog (participants ids, channelType COBROWSE, numeric metaData 'expires'): {COB}; other fields from the seed", cob)
    out["effective-ttr-none"] = (f"effectiveTTR -1 when none applies: {PDT}; {SDK_FIX}", {**SEED, "effectiveTTR": -1})
    agent = copy.deepcopy(SEED)
    agent["lastContentEventNotification"]["originatorId"] = "89476943.282467514"
    agent["lastContentEventNotification"]["dialogId"] = "fb84c76d-0daa-46c7-b02d-eb6130c022c1"
    agent["lastContentEventNotification"]["originatorMetadata"] = {"id": "393c6873-756d-54af-86e1-8795d57eba14", "role": "ASSIGNED_AGENT", "clientProperties": {"type": ".ClientProperties", "ipAddress": "172.26.138.214"}}
    out["originator-agent-string-id"] = (f"originatorId a string accountId.agentId, with dialogId and originatorMetadata: {SDK_README}; developer-center assets/schema/ms/messagingEventNotification.json", agent)
    rec = copy.deepcopy(SEED)
    rec.update({"stage": "OPEN", "state": "CLOSE", "brandId": "12345678", "metaDataLastUpdateTs": 1564734095888, "csatRate": 0, "note": "", "conversationHandlerDetails": {"accountId": "12345678", "skillId": "563267"}, "participantsPId": {"CONSUMER": ["49b673cb7d08168a9f14640346340237054482174d65ff8c70e0f4d0d9bfa911"], "MANAGER": ["f675416a-7d5a-5d06-a7bd-bdf5fcc426a1"], "READER": []}})
    rec["context"]["name"] = "WhatsApp Business"
    rec["context"]["clientProperties"].update({"timeZone": "America/New_York", "appVersion": "1.0.3", "osName": "WindowsXP", "deviceManufacture": "LG", "deviceModel": "G3"})
    rec["dialogs"][0]["endTs"] = 0
    out["conversation-record-fields"] = (
        f"conversation-record fields (stage, brandId, metaDataLastUpdateTs, csatRate, note, conversationHandlerDetails, participantsPId, context.name): {SDK_FIX}; "
        "clientProperties timeZone, appVersion, osName, deviceManufacture, deviceModel: developer-center assets/schema/infra/clientPropertiesHeader.json; "
        "endTs 0 on an open dialog: developer-center messaging-window-api-api-reference-subscribe-to-conversation-metadata; other fields from the seed",
        rec,
    )
    drift = copy.deepcopy(SEED)
    drift["surveyName"] = "Post chat CSAT"
    drift["context"]["features2"] = ["NEW"]
    out["unknown-fields-drift"] = (
        "fields the contract does not name (surveyName, context.features2; decided here): valid, check-payloads reports them as drift warnings",
        drift,
    )
    return out


def variants(event):
    out = {"seed-full": SEED}
    out["required-only"] = {k: SEED[k] for k in REQUIRED}
    out["required-only-empty-arrays"] = {**{k: SEED[k] for k in REQUIRED}, "dialogs": [], "participants": []}
    for reason in ("AGENT", "CONSUMER", "SYSTEM"):
        out[f"close-reason-{reason.lower()}"] = {**SEED, "closeReason": reason}
    no_ttr = {k: v for k, v in SEED.items() if k not in ("ttr", "effectiveTTR")}
    out["no-ttr"] = no_ttr
    for t in ("NORMAL", "PRIORITIZED", "CUSTOM"):
        out[f"ttr-{t.lower()}"] = {**SEED, "ttr": {"ttrType": t, "value": 0 if t == "CUSTOM" else 3600}}
    nonascii = copy.deepcopy(SEED)
    nonascii["lastContentEventNotification"]["event"]["message"] = "Merci ! Très bien 👍 — שלום, 你好, ñandú"
    nonascii["context"]["lang"] = "fr-FR"
    out["non-ascii-last-message"] = nonascii
    out["large-survey-id"] = {**SEED, "surveyId": 9007199254740991, "surveyRevision": 2147483648}
    closed = copy.deepcopy(SEED)
    closed["state"] = "CLOSE"
    closed["dialogs"] = [dict(d, state="CLOSE", endTs=1551702860000) for d in closed["dialogs"]]
    closed["dialogs"].append({"dialogId": "x1", "dialogType": "OTHER", "state": "CLOSE"})
    out["all-dialogs-closed"] = closed
    first = {**SEED, "firstConversation": True}
    del first["lastContentEventNotification"]
    out["first-conversation-no-last-event"] = first
    if event.endswith("started"):
        out["started-open-survey"] = {**{k: SEED[k] for k in REQUIRED}, "dialogs": [SEED["dialogs"][0]]}
    return out


NEGATIVES = {
    "missing-conversation-id": ("", "conversationId is required", lambda p: p.pop("conversationId")),
    "unknown-close-reason": ("/closeReason", "closeReason is a closed enum", lambda p: p.update(closeReason="TIMEOUT")),
    "survey-id-as-string": ("/surveyId", "surveyId is a NUMBER in the seed", lambda p: p.update(surveyId="3387141511")),
    "survey-id-above-2-53": ("/surveyId", "integers are bounded to 2^53-1", lambda p: p.update(surveyId=9007199254740992)),
    "account-id-not-digits": ("/accountId", "accountId is digits only", lambda p: p.update(accountId="acme")),
    "bad-dialog-type": ("/dialogs/0/dialogType", "dialogType is a closed enum", lambda p: p["dialogs"][0].update(dialogType="SURVEY")),
    "bad-ttr-type": ("/ttr/ttrType", "ttrType is a closed enum", lambda p: p["ttr"].update(ttrType="LOW")),
    "originator-id-number": ("/lastContentEventNotification/originatorId", "originatorId is a string (developer-center assets/schema/ms/messagingEventNotification.json); the seed's NUMBER label is wrong", lambda p: p["lastContentEventNotification"].update(originatorId=37607275.23)),
    "last-message-number": ("/lastContentEventNotification/event/message", "a message is text or a hosted-file object (developer-center assets/schema/ms/AbstractMessagingEvent.json)", lambda p: p["lastContentEventNotification"]["event"].update(message=42)),
    "effective-ttr-below-minus-one": ("/effectiveTTR", "effectiveTTR is a timestamp or -1", lambda p: p.update(effectiveTTR=-2)),
    "start-ts-float": ("/startTs", "timestamps are integers", lambda p: p.update(startTs=1528463744663.5)),
    "participants-not-array": ("/participants", "participants is an OBJECT-ARRAY", lambda p: p.update(participants={"id": "x"})),
    "state-lowercase": ("/state", "state is OPEN or CLOSE", lambda p: p.update(state="open")),
    "client-features-not-strings": ("/context/clientProperties/features/0", "features are strings", lambda p: p["context"]["clientProperties"].update(features=[1])),
}


def _write(path, doc):
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main():
    contracts = Path(__file__).resolve().parents[1] / "contracts"
    # v2 keeps v1's payload contract (registry.yaml): the same examples, written to both.
    for version in ("v1", "v2"):
        for event in ("surveybot_messaging_survey_started", "surveybot_messaging_survey_ended"):
            d = contracts / version / "examples" / event
            (d / "invalid").mkdir(parents=True, exist_ok=True)
            for old in list(d.glob("*.json")) + list((d / "invalid").glob("*.json")):
                old.unlink()
            for name, payload in variants(event).items():
                _write(d / f"{name}.json", {"source": f"{SEED_SRC}; variant {name} (decided here)" if name != "seed-full" else SEED_SRC, "payload": payload})
            for name, (source, payload) in real_shapes().items():
                _write(d / f"{name}.json", {"source": source, "payload": payload})
            for name, (pointer, why, mutate) in NEGATIVES.items():
                p = copy.deepcopy(SEED)
                mutate(p)
                _write(d / "invalid" / f"{name}.json", {"rejectAt": pointer, "why": why, "source": f"{SEED_SRC}, broken on purpose", "payload": p})


if __name__ == "__main__":
    main()
