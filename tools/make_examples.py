"""Writes the golden and negative examples of contracts/v1 (run once; the files are the source of truth).

Kept in the repository so that a reviewer can see how each variant derives from the seed's example.
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
        "originatorId": 37607275.23,
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
    "unknown-top-level-field": ("", "objects are closed", lambda p: p.update(surveyName="x")),
    "start-ts-float": ("/startTs", "timestamps are integers", lambda p: p.update(startTs=1528463744663.5)),
    "participants-not-array": ("/participants", "participants is an OBJECT-ARRAY", lambda p: p.update(participants={"id": "x"})),
    "state-lowercase": ("/state", "state is OPEN or CLOSE", lambda p: p.update(state="open")),
    "client-features-not-strings": ("/context/clientProperties/features/0", "features are strings", lambda p: p["context"]["clientProperties"].update(features=[1])),
}


def main():
    root = Path(__file__).resolve().parents[1] / "contracts" / "v1" / "examples"
    for event in ("surveybot_messaging_survey_started", "surveybot_messaging_survey_ended"):
        d = root / event
        (d / "invalid").mkdir(parents=True, exist_ok=True)
        for name, payload in variants(event).items():
            (d / f"{name}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for name, (pointer, why, mutate) in NEGATIVES.items():
            p = copy.deepcopy(SEED)
            mutate(p)
            doc = {"rejectAt": pointer, "why": why, "payload": p}
            (d / "invalid" / f"{name}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
