"""The station controller's link to its I/O controller over a UART: framing, messages and
both ends' protocol machines, all sans-I/O (docs/hwlink.md is the protocol's description).
"""
