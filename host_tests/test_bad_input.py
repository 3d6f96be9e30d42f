"""Bad input from the Central System gets the right CALLERROR or rejection and never
disturbs a charging session (issue: Core profile, "bad input" line)."""
import json

from tc import CentralThread, booted, charging, tc_station, wait_until

# (frame text, the CALLERROR code or the answer expected); ids are unique per case.
CASES = [
    ('[2,"b1","ChangeConfiguration",{"key":"HeartbeatInterval","value":60}]',
     "TypeConstraintViolation"),
    ('[2,"b2","ChangeConfiguration",{"key":"HeartbeatInterval"}]',
     "OccurenceConstraintViolation"),
    ('[2,"b3","ChangeConfiguration",{"key":"%s","value":"1"}]' % ("K" * 51),
     "PropertyConstraintViolation"),
    ('[2,"b4","GetConfiguration",{"key":"HeartbeatInterval"}]', "TypeConstraintViolation"),
    ('[2,"b5","ChangeConfiguration",{"key":"HeartbeatInterval","value":"1","x":1}]',
     "FormationViolation"),
    ('[2,"b6","DataTransfer",[]]', "FormationViolation"),
    ('[2,"b7","Teleport",{}]', "NotImplemented"),
    ('[2,"b8","ChangeConfiguration",{"key":"HeartbeatInterval","value":"-5"}]',
     {"status": "Rejected"}),
    ('[2,"b9","ChangeConfiguration",{"key":"HeartbeatInterval","value":"99999999999999999"}]',
     {"status": "Rejected"}),
    ('[2,"b10","ChangeConfiguration",{"key":"NumberOfConnectors","value":"9"}]',
     {"status": "Rejected"}),
    ('[2,"b11","ChangeConfiguration",{"key":"NoSuchKey","value":"1"}]',
     {"status": "NotSupported"}),
]
# Frames with no usable message id: dropped, nothing answered, nothing disturbed.
GARBAGE = ['{"not": "an array"}', "[2,", "[9,\"g1\",{}]", "\x00\xff", "[]", "[2,17,\"X\",{}]"]


def answer_to(cs, message_id):
    for frame in cs.frames("<-"):
        if frame[0] in (3, 4) and frame[1] == message_id:
            return frame
    return None


def test_bad_requests_are_answered_and_charging_goes_on():
    with CentralThread(heartbeat_interval_s=60) as cs, tc_station(cs) as station:
        link = booted(cs)
        charging(cs, station, tag="CARD-BAD1")
        for text in GARBAGE:
            cs.run(link._connection.send(text))
        for text, expected in CASES:
            message_id = json.loads(text)[1]
            cs.run(link._connection.send(text))
            frame = wait_until(lambda: answer_to(cs, message_id), 10, "answer to " + message_id)
            if isinstance(expected, str):
                assert frame[0] == 4 and frame[2] == expected, frame
            else:
                assert frame == [3, message_id, expected], frame
        # Security whitepaper 8: InvalidMessages, one a minute however many come.
        invalid = wait_until(lambda: [p for p in cs.requests("SecurityEventNotification")
                                      if p["type"] == "InvalidMessages"], 10, "InvalidMessages")
        assert invalid[0]["techInfo"].startswith("frame: ")
        assert station.control("status")["connectors"][1]["status"] == "Charging"
        assert cs.requests("StopTransaction") == []
        assert len([p for p in cs.requests("SecurityEventNotification")
                    if p["type"] == "InvalidMessages"]) == 1
        wait_until(lambda: station.control("status")["connectors"][1]["powerW"] > 0, 5,
                   "energy flowing")
        assert station.alive


def test_oversized_message_closes_with_1009_and_the_session_survives():
    with CentralThread(heartbeat_interval_s=60) as cs, tc_station(cs) as station:
        link = booted(cs)
        charging(cs, station, tag="CARD-BAD2")
        huge = '[2,"h1","DataTransfer",{"vendorId":"x","data":"%s"}]' % ("A" * 200000)
        try:
            cs.run(link._connection.send(huge))
        except Exception:  # the station may already have closed the connection
            pass
        # The station refuses the message (close 1009), reconnects by itself, no new boot.
        wait_until(lambda: cs.central.links.get("CP001") not in (None, link), 30, "reconnect")
        assert len(cs.requests("BootNotification")) == 1
        assert station.control("status")["connectors"][1]["status"] == "Charging"
        assert cs.requests("StopTransaction") == []
        assert station.alive
