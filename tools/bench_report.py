"""The figures of `make bench` (issue 6), as build/bench.json keeps them and as they print.

A figure is a dict: name, unit, ours (a dict of numbers in that unit), and where they apply
peer (the same for tools/peer_cp.py), reference_s and ratio_reference (our mean / the
reference charger's certified average), ratio_peer (our p99 / the peer's), budget (the
largest value each named entry of ours may have), floor (the least value each may have: a
heap that must stay free), peer_bound (our p99 may not exceed the
peer's) and verdict, PASS or FAIL. A figure that could not be measured has `not_measured`
with the reason instead of ours.
"""
import math


def stats(samples):
    ordered = sorted(samples)
    return {"n": len(ordered), "mean": sum(ordered) / len(ordered),
            "p50": ordered[len(ordered) // 2],
            "p99": ordered[math.ceil(0.99 * len(ordered)) - 1], "max": ordered[-1]}


def figure(name, unit, ours, peer=None, budget=None, peer_bound=False, reference_s=None,
           note=None, floor=None):
    result = {"name": name, "unit": unit, "ours": ours}
    if peer is not None:
        result["peer"] = peer
        if "p99" in peer:
            result["ratio_peer"] = ours["p99"] / peer["p99"]
    if reference_s is not None:
        result["reference_s"] = reference_s
        result["ratio_reference"] = ours["mean"] / (reference_s * 1000)
    if budget is not None:
        passed = all(ours[key] <= most for key, most in budget.items())
        if peer_bound:
            result["peer_bound"] = True
            passed = passed and ours["p99"] <= peer["p99"]
        result["budget"] = budget
        result["verdict"] = "PASS" if passed else "FAIL"
    if floor is not None:
        # An entry not measured (the station never got that far) is below any floor.
        passed = all(key in ours and ours[key] >= least for key, least in floor.items())
        result["floor"] = floor
        result["verdict"] = "PASS" if passed and result.get("verdict") != "FAIL" else "FAIL"
    if note:
        result["note"] = note
    return result


def not_measured(name, unit, reason):
    return {"name": name, "unit": unit, "not_measured": reason}


def show(result):
    """One line of the table."""
    line = "%-34s %-7s" % (result["name"], result["unit"])
    if "not_measured" in result:
        return line + " not measured: " + result["not_measured"]
    line += " ours " + _values(result["ours"])
    if "peer" in result:
        line += " | peer " + _values(result["peer"])
    if "ratio_reference" in result:
        line += " | ours/ref %.4f" % result["ratio_reference"]
    if "ratio_peer" in result:
        line += " ours/peer %.2f" % result["ratio_peer"]
    if "budget" in result:
        limits = ["%s<=%s" % (key, _number(most)) for key, most in result["budget"].items()]
        if result.get("peer_bound"):
            limits.append("p99<=peer")
        line += " | %s %s" % (",".join(limits), result["verdict"])
    elif "floor" in result:
        limits = ["%s>=%s" % (key, _number(least)) for key, least in result["floor"].items()]
        line += " | %s %s" % (",".join(limits), result["verdict"])
    if "note" in result:
        line += " (%s)" % result["note"]
    return line


def _number(value):
    return "%.2f" % value if isinstance(value, float) else str(value)


def _values(values):
    return " ".join("%s=%s" % (key, _number(value)) for key, value in values.items())
