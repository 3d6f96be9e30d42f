"""The power stage: one pool of rectifier modules shared by the energized connectors.

Each connector asks for the least of what its EV accepts and what the firmware allows it;
when the asks add up to more than the station's total, the total is shared out evenly and
a connector that asks for less than its share leaves the rest to the others.

Switching off, as the modules' datasheet would state it: a connector's output follows a
new setpoint at the modules' next control step (PHYSICS_STEP_MS in hardware.py), falling
at most RAMP_DOWN_W_PER_MS (the full 240 kW in 500 ms); the output contactor then opens
with no current. From the controller's set_energize(False) until the meter reads no
current: at most one control step plus the ramp, 750 ms. A protection that trips (the
insulation monitor, GroundFailure; the DC over-current breaker, OverCurrentFailure) or an
EV that opens its own contactor stops the current at once. A power switch stuck closed
(a welded contactor with the modules' enable: one output) does not stop it at all.
"""
STATION_POWER_W = 240000
RAMP_DOWN_W_PER_MS = 480


class PowerStage:
    def __init__(self, total_w=STATION_POWER_W):
        self.total_w = total_w

    def share(self, asks_w):
        """Watts delivered for each ask (list of non-negative int W), in the same order."""
        given = [0] * len(asks_w)
        waiting = [i for i in range(len(asks_w)) if asks_w[i] > 0]
        left_w = self.total_w
        while waiting and left_w > 0:
            fair_w = left_w // len(waiting)
            satisfied = [i for i in waiting if asks_w[i] <= fair_w]
            if not satisfied:
                for i in waiting:
                    given[i] = fair_w
                break
            for i in satisfied:
                given[i] = asks_w[i]
                left_w -= asks_w[i]
                waiting.remove(i)
        return given


def connector_ask_w(energized, acceptance_w, limit_w):
    """What one connector draws from the stage: nothing unless energized; the EV's
    acceptance capped by the firmware's limit (None: no limit)."""
    if not energized:
        return 0
    if limit_w is None:
        return acceptance_w
    return min(acceptance_w, max(limit_w, 0))


def ramped_w(delivered_w, share_w, dt_ms):
    """The output for the next step: up to the share at once, down at most the ramp."""
    return max(share_w, delivered_w - RAMP_DOWN_W_PER_MS * dt_ms)
