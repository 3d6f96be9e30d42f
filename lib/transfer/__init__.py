"""File transfer clients for logs and firmware (security whitepaper N01, L01): uploads to
ftp:// (passive mode) and http:// URLs over asyncio streams, on MicroPython and CPython.
Import the module you need."""
