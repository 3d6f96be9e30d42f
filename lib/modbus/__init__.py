"""Modbus RTU master for meters on an RS-485 bus: frames and their CRC without I/O
(frames.py), the bus timing, direction pin and retries over a UART (rtu.py), and a meter
read through a register map given as data (meter.py; maps such as pzem017.py).
Knows nothing of stations: docs/drivers.md tells how a board package uses it.
"""
