"""The station's own certificate (security whitepaper A02, TC_074 and TC_077): a new P-256
key pair and its CSR sent in SignCertificate.req (O = CpoName, CN = the serial number), and
the signed certificate the Central System returns in CertificateSigned.req.

CertificateSigned is Accepted only for a chain (PEM, at most CertificateSignedMaxChainSize
characters) whose first certificate holds the public key of the pending request and is
within its validity, each certificate signed by the next and the last by an installed
CentralSystemRootCertificate (A02.FR.06); anything else is Rejected with the security
event InvalidChargePointCertificate (A02.FR.07). Accepted, the certificate and its key are
kept in flash, the previous pair as the fallback (A02.FR.10).

The station renews it itself (A03): from a month before it expires, checked at each
connection and each day (firmware.security), it sends a new key pair's CSR the same way.

Loaded per request (firmware.on_demand.loaded); its state is in flash: `cp_pending.json` (the key
of the request on its way), `cp.json` and `cp_previous.json` (key and chain, DER in hex).
"""
from firmware.clock import parse_iso8601
from firmware.security.changes import stored_certificate
from store.atomic import read_json_or_none, write_json_atomic
from x509 import p256
from x509.cert import Certificate
from x509.csr import certificate_request_pem
from x509.pem import pem_to_der
from x509.verify import issuing_root, signed_by

ACCEPTED = {"status": "Accepted"}
REJECTED = {"status": "Rejected"}
CS_ROOT = "CentralSystemRootCertificate"
# A03.FR.02: renewed once it expires within a month; a request not answered with a
# certificate is made again a day later.
RENEW_BEFORE_S = 30 * 24 * 3600
RETRY_S = 24 * 3600


class ChargePointCertificate:
    def __init__(self, *, folder, config, clock, log, call, record_event, roots, installed):
        self._folder = folder
        self._config = config
        self._clock = clock
        self._log = log
        self._call = call
        self._record_event = record_event
        self._roots = roots  # () -> DERs of the installed CS roots
        self._installed = installed  # () after a new certificate is stored

    def register(self, handlers):
        handlers["CertificateSigned"] = self.certificate_signed

    async def request(self, serial_number):
        """Makes a key pair, keeps it pending in flash and sends its CSR."""
        private, public = p256.new_private_key()
        write_json_atomic(self._folder + "/cp_pending.json",
                          {"d": "%x" % private, "at": self._clock.now_s()})
        csr = certificate_request_pem(private, public, self._config.get("CpoName"),
                                      serial_number)
        answer = await self._call("SignCertificate", {"csr": csr})
        self._log("security: SignCertificate %s" % answer.get("status"))

    def renewal_due(self):
        """True when the station's certificate expires within RENEW_BEFORE_S (A03.FR.02)
        and no request is on its way, i.e. none made in the last RETRY_S that was not
        answered with a certificate. False without a certificate or before the clock is set."""
        stored = stored_certificate(self._folder + "/cp.json", self._log)
        if stored is None or not self._clock.synchronised:
            return False
        now = self._clock.now_s()
        pending = self._pending()
        if pending is not None and pending.get("d") != stored.get("d") and \
                type(pending.get("at")) is int and 0 <= now - pending["at"] < RETRY_S:
            return False
        try:
            cert = Certificate(bytes.fromhex(stored["chain"][0]))
        except ValueError:  # not a certificate: one is due
            return True
        return parse_iso8601(cert.not_after) - now <= RENEW_BEFORE_S

    def certificate_signed(self, payload):
        chain_text = payload["certificateChain"]
        try:
            reason = self._refusal(chain_text)
        except ValueError as error:
            reason = "not a certificate chain (%s)" % error
        if reason is not None:
            self._record_event("InvalidChargePointCertificate", reason)
            return REJECTED
        pending = self._pending()
        previous = stored_certificate(self._folder + "/cp.json", self._log)
        if previous is not None:
            write_json_atomic(self._folder + "/cp_previous.json", previous)
        write_json_atomic(self._folder + "/cp.json", {
            "d": pending["d"], "chain": [der.hex() for der in pem_to_der(chain_text)]})
        self._log("security: new ChargePointCertificate installed")
        return ACCEPTED, self._installed

    def _pending(self):
        """The request on its way ({"d": its private scalar in hex, "at": Unix s}), or None
        (a damaged file is none)."""
        try:
            pending = read_json_or_none(self._folder + "/cp_pending.json")
        except ValueError:
            return None
        if type(pending) is not dict or type(pending.get("d")) is not str:
            return None
        return pending

    def _refusal(self, chain_text):
        if len(chain_text) > self._config.get("CertificateSignedMaxChainSize"):
            return "the chain is over CertificateSignedMaxChainSize"
        pending = self._pending()
        if pending is None:
            return "no certificate was requested"
        chain = [Certificate(der) for der in pem_to_der(chain_text)]
        public = p256.multiply(int(pending["d"], 16))
        if chain[0].public_key != p256.public_to_bytes(public):
            return "not the key of the request"
        for cert in chain:
            if not self._clock.within(cert.not_before, cert.not_after):
                return "outside its validity"
        for cert, issuer in zip(chain, chain[1:]):
            if cert.issuer != issuer.subject or not signed_by(cert, issuer):
                return "the chain does not verify"
        if issuing_root(chain[-1], self._roots()) is None:
            return "not issued under an installed CentralSystemRootCertificate"
        return None
