"""mbedTLS's codes for the failures a wss:// connection meets, by name. A MicroPython firmware
built without mbedTLS's error strings (MBEDTLS_ERROR_C, about 1.5 KB of flash), and
MicroPython 1.25 on a TLS read, raise OSError with the bare code: ws.client puts the name
beside it in the reason, for the operator and for the station's security events. Imported
only when such a code is met: resident, the names took about 250 bytes of a 32-bit board's
heap from ROMFS.
"""
NAMES = {
    -0x2700: "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    -0x6E00: "MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE",
    -0x6E80: "MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION",
    -0x7280: "MBEDTLS_ERR_SSL_CONN_EOF",
    -0x7480: "MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE",
    -0x7780: "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE",
    -0x7880: "MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY",
    -0x7A00: "MBEDTLS_ERR_SSL_BAD_CERTIFICATE",
}
