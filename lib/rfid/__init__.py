"""Card readers for ISO/IEC 14443 A cards: the NXP MFRC522 over SPI (mfrc522.py) and the NXP
PN532 over I2C (pn532.py). Each reports a card's UID as an idTag in upper-case hex, once per
presentation (taps.py), and says when the reader itself stopped working (`failed`).
Knows nothing of stations: docs/drivers.md tells how a board package uses them.
"""
