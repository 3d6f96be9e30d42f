# BootNotification per OCPP 1.6 section 4.2: retry after `interval`, own bounded choice at 0.
from firmware.clock import Clock
from firmware.core.registration import RETRY_WHEN_UNSPECIFIED_S, Registration


class CentralSystem:
    def __init__(self, answers):
        self.answers = answers
        self.boots = 0

    async def call(self, action, payload):
        assert action == "BootNotification" and payload["chargePointVendor"] == "V"
        answer = self.answers[self.boots]
        self.boots += 1
        if isinstance(answer, Exception):
            raise answer
        return answer


def conf(status, interval):
    return {"status": status, "interval": interval, "currentTime": "2026-11-25T10:00:00Z"}


async def test_rejected_pending_and_failures_wait_as_told_then_accept_once():
    central = CentralSystem([conf("Rejected", 7), conf("Pending", 0), OSError("offline"),
                             conf("Accepted", 42)])
    slept = []
    accepted = []

    async def sleep(seconds):
        slept.append(seconds)

    clock = Clock(ticks_ms=lambda: 0, ticks_diff=lambda a, b: a - b)
    registration = Registration(call=central.call, clock=clock,
                                boot_payload=lambda: {"chargePointVendor": "V"},
                                log=lambda line: None,
                                on_accepted=accepted.append, sleep=sleep)
    await registration.register()
    assert slept == [7, RETRY_WHEN_UNSPECIFIED_S, RETRY_WHEN_UNSPECIFIED_S]
    assert registration.status == "Accepted" and accepted == [42]
    assert clock.now_iso8601() == "2026-11-25T10:00:00Z"
    await registration.register()  # a reconnect without a reboot: no new BootNotification
    assert central.boots == 4


async def test_a_triggered_boot_cuts_the_pending_wait_short_even_when_asked_mid_call():
    import asyncio

    central = CentralSystem([conf("Pending", 300), conf("Pending", 300), conf("Accepted", 60)])

    async def call(action, payload):
        answer = await central.call(action, payload)
        if central.boots == 2:
            registration.ask_again()  # while the second BootNotification is on its way
        return answer

    registration = Registration(call=call,
                                clock=Clock(ticks_ms=lambda: 0, ticks_diff=lambda a, b: a - b),
                                boot_payload=lambda: {"chargePointVendor": "V"},
                                log=lambda line: None,
                                on_accepted=lambda s: None)
    task = asyncio.create_task(registration.register())
    for _ in range(20):
        await asyncio.sleep(0)
    assert central.boots == 1 and registration.status == "Pending"  # waiting its 300 s
    registration.ask_again()
    await asyncio.wait_for(task, 1)  # the third one follows the second at once
    assert central.boots == 3 and registration.accepted


def registered(answers, accepted=None, slept=None):
    async def sleep(seconds):
        slept.append(seconds)

    central = CentralSystem(answers)
    registration = Registration(call=central.call,
                                clock=Clock(ticks_ms=lambda: 0, ticks_diff=lambda a, b: a - b),
                                boot_payload=lambda: {"chargePointVendor": "V"},
                                log=lambda line: None,
                                on_accepted=(accepted if accepted is not None else []).append,
                                sleep=sleep if slept is not None else None)
    return central, registration


async def test_a_reconnect_opens_the_window_of_a_triggered_boot_until_one_is_accepted():
    # Errata 3.35: "until the next reset/reboot/reconnect".
    accepted = []
    central, registration = registered([conf("Accepted", 60), conf("Accepted", 90)], accepted)
    registration.connected()
    await registration.register()
    assert registration.accepted_on_connection  # a trigger now is Rejected
    registration.connected()
    await registration.register()
    assert central.boots == 1 and not registration.accepted_on_connection
    await registration.ask_again()  # the trigger's follow-up sends it at once
    assert central.boots == 2 and registration.accepted_on_connection
    assert accepted == [60, 90]


async def test_a_triggered_boot_answered_pending_registers_again_after_its_interval():
    import asyncio

    slept = []
    central, registration = registered([conf("Accepted", 60), conf("Pending", 45),
                                        conf("Accepted", 60)], slept=slept)
    await registration.register()
    registration.connected()
    refused = asyncio.create_task(registration.refused())
    await asyncio.sleep(0)
    await registration.ask_again()
    await asyncio.wait_for(refused, 1)  # the station stops sending (section 4.2)
    assert registration.status == "Pending" and not registration.accepted
    await registration.register()
    assert slept == [45] and central.boots == 3 and registration.accepted_on_connection


async def test_a_triggered_boot_without_an_answer_changes_nothing():
    central, registration = registered([conf("Accepted", 60), OSError("link lost")])
    await registration.register()
    registration.connected()
    await registration.ask_again()
    assert registration.accepted and not registration.accepted_on_connection
