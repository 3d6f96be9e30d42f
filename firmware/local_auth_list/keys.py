"""The Local Auth List Management profile's configuration keys (OCPP 1.6 section 9.2). Made at
boot and again whenever the configuration needs them (firmware.config `declare` with a
maker); their bounds are argued in docs/local_list.md."""
from firmware.config import BOOLEAN, INTEGER, Key


def keys():
    # The bounds, literals here: a name more would stay in a ROMFS board's heap for good.
    # 10,000 entries of 49 bytes: 490 KB of flash, twice that while an update replaces
    # it. 32 entries of the largest kind make a SendLocalList frame of 4.9 KB, what a
    # 128 KB board decodes every time (docs/limits.md, "Large messages").
    return (Key("LocalAuthListEnabled", BOOLEAN, True),
            Key("LocalAuthListMaxLength", INTEGER, 10000, writable=False),
            Key("SendLocalListMaxLength", INTEGER, 32, writable=False))
