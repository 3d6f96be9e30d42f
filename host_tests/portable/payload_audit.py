# What the station sends must hold no empty array or object below a payload's root: every
# such member of an OCPP 1.6 message is optional, and a widely deployed Central System (Home
# Assistant's OCPP integration up to 0.5.x) fails on an empty list. Used by the portable
# test of every handler and by the end-to-end harness on every frame the station sent.


def empty_containers(payload, path="$"):
    """The paths of the empty arrays and objects below `payload` (not the root itself: a
    message without fields is `{}`)."""
    found = []
    if type(payload) is dict:
        members = payload.items()
    elif type(payload) is list:
        members = [("[%d]" % i, item) for i, item in enumerate(payload)]
    else:
        return found
    for name, value in members:
        inner = path + (name if name[:1] == "[" else "." + name)
        if (type(value) is dict or type(value) is list) and not value:
            found.append(inner)
        else:
            found += empty_containers(value, inner)
    return found


def station_payloads(frames):
    """The payloads of the station's CALLs and CALLRESULTs among parsed OCPP-J frames."""
    payloads = []
    for frame in frames:
        if type(frame) is list and frame[:1] == [2] and len(frame) == 4:
            payloads.append((frame[2], frame[3]))
        elif type(frame) is list and frame[:1] == [3] and len(frame) == 3:
            payloads.append(("CALLRESULT " + str(frame[1]), frame[2]))
    return payloads
