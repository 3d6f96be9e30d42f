"""Root certificates (security whitepaper M03, M04, M05): InstallCertificate,
GetInstalledCertificateIds and DeleteCertificate, and the CentralSystemRootCertificates the
TLS link trusts. Loaded for each of those requests (firmware.on_demand.loaded) and when the link
needs its roots, and dropped after: the idle station never holds this code.

In the board's flash: one DER file per certificate and an index (`index.json`) with each
one's use, file, CertificateHashData and subject hash, so listing and deleting never parse a
certificate again. An issuer is found by its subject among the installed ones; a
certificate is its own issuer when self-issued.

Install answers Rejected for what is not a valid CA certificate (malformed PEM or DER, more
than one certificate, no CA flag, outside its validity on a set clock, an issuer neither
itself nor installed, a signature by that issuer that does not verify -- x509.verify knows
ECDSA P-256 and RSA with SHA-256) and when the store already holds CertificateStoreMaxLength ones
(M05.FR.03); installing one that is there already is Accepted and stores nothing.
With AdditionalRootCertificateCheck (the board's choice, read-only; M05.FR.08-13) there is
one CentralSystemRootCertificate and at most one fallback: a new one is Rejected unless the
installed one signed it, and then replaces it, the old one kept as the fallback until a
connection verified with the new one (firmware.security.changes); the one in use cannot be
deleted, only replaced.

Delete answers Failed for the last CentralSystemRootCertificate (option AQ-1: it cannot be
removed), NotFound when nothing matches (hashAlgorithm other than SHA256 included: the ids
are given in SHA256, M04.FR.07).
"""
import os

from store.atomic import ensure_dir, read_json_or_none, read_or_none, write_atomic, \
    write_json_atomic
from x509.cert import Certificate, hash_data, sha256_hex
from x509.verify import signed_by

CS_ROOT = "CentralSystemRootCertificate"
MANUFACTURER_ROOT = "ManufacturerRootCertificate"
ACCEPTED = "Accepted"
REJECTED = "Rejected"
FAILED = "Failed"
NOT_FOUND = "NotFound"
_HASH_FIELDS = ("issuerNameHash", "issuerKeyHash", "serialNumber")


class Certificates:
    def __init__(self, *, folder, config, clock, log):
        self._folder = folder
        self._config = config
        self._clock = clock
        self._log = log
        ensure_dir(folder)
        self._entries = []
        try:
            self._entries = _checked_index(read_json_or_none(folder + "/index.json") or [], log)
        except ValueError:
            log("certs: index unreadable; no certificates installed")
        self.on_change = None  # called with the use of what was installed or deleted
        self.on_invalid = None  # called with (use, reason) for a certificate refused as invalid

    def register(self, handlers):
        handlers["InstallCertificate"] = self.install_certificate
        handlers["GetInstalledCertificateIds"] = self.get_installed_certificate_ids
        handlers["DeleteCertificate"] = self.delete_certificate

    # ---- OCPP handlers -------------------------------------------------------------------

    def install_certificate(self, payload):
        use = payload["certificateType"]
        status = self.install(use, payload["certificate"])
        self._log("certs: install %s %s" % (use, status))
        return {"status": status}

    def get_installed_certificate_ids(self, payload):
        found = [entry["hash"] for entry in self._entries
                 if entry["use"] == payload["certificateType"]]
        if not found:
            return {"status": NOT_FOUND}
        return {"status": ACCEPTED, "certificateHashData": found}

    def delete_certificate(self, payload):
        status = self.delete(payload["certificateHashData"])
        self._log("certs: delete %s" % status)
        return {"status": status}

    # ---- the store ---------------------------------------------------------------------

    def ders(self, use=CS_ROOT, fallback=False):
        """The DER bytes of every installed certificate of that use (or of the fallback CS
        root)."""
        found = []
        for entry in self._entries:
            if entry["use"] == use and bool(entry.get("fallback")) == fallback:
                data = read_or_none(self._folder + "/" + entry["file"])
                if _one_der_element(data):
                    found.append(data)
                else:  # one bad file would make TLS refuse all of them
                    self._log("certs: %s is missing or not DER: left out" % entry["file"])
        return found

    def install(self, use, pem_or_der):
        """Installs one CA certificate (PEM text or DER bytes); returns the status."""
        try:
            cert = Certificate(_der(pem_or_der))
            reason = self._refusal(cert)
        except ValueError as error:
            reason = "not a certificate (%s)" % error
        if reason:
            return self._invalid(use, reason)
        issuer = cert if cert.self_issued else self._installed_issuer(cert)
        if issuer is None:
            self._log("certs: its issuer is not installed")
            return REJECTED
        if not signed_by(cert, issuer):
            return self._invalid(use, "its signature does not verify (or is neither ECDSA "
                                      "P-256 nor RSA with SHA-256)")
        entry = {"use": use, "hash": hash_data(cert, issuer.public_key),
                 "subject": sha256_hex(cert.subject)}
        if self._find(use, entry["hash"]) is not None:
            return ACCEPTED
        kept = self._entries
        if use == CS_ROOT and self._config.get("AdditionalRootCertificateCheck"):
            kept = self._replacing(cert)
            if kept is None:
                self._log("certs: not signed by the CentralSystemRootCertificate it replaces")
                return REJECTED
        if len(kept) >= self._config.get("CertificateStoreMaxLength"):
            self._log("certs: the store is full")
            return REJECTED
        entry["file"] = self._free_file_name()
        try:
            write_atomic(self._folder + "/" + entry["file"], cert.der)
            self._save(kept + [entry])
        except OSError as error:
            self._log("certs: flash write failed (%s)" % error)
            return FAILED
        self._remove_files_not_in_index()
        self._changed(use)
        return ACCEPTED

    def drop_fallback(self):
        """The new CentralSystemRootCertificate worked: its fallback goes (M05.FR.12)."""
        if any(entry.get("fallback") for entry in self._entries):
            self._save([entry for entry in self._entries if not entry.get("fallback")])
            self._remove_files_not_in_index()
            self._log("certs: fallback CentralSystemRootCertificate removed")

    def _replacing(self, cert):
        """M05.FR.09-11: the entries to keep when `cert` replaces the CS root in use -- that
        one as the fallback, an older fallback dropped -- or None when it did not sign it."""
        current = [e for e in self._entries if e["use"] == CS_ROOT and not e.get("fallback")]
        if not current:
            return self._entries
        entry = current[0]
        data = read_or_none(self._folder + "/" + entry["file"])
        if entry["subject"] != sha256_hex(cert.issuer) or not data or \
                not signed_by(cert, Certificate(data)):
            return None
        kept = [e for e in self._entries if e["use"] != CS_ROOT]
        return kept + [dict(entry, fallback=True)]

    def _remove_files_not_in_index(self):
        listed = [entry["file"] for entry in self._entries] + ["index.json"]
        for name in os.listdir(self._folder):
            if name.endswith(".der") and name not in listed:
                try:
                    os.remove(self._folder + "/" + name)
                except OSError:
                    pass

    def delete(self, wanted):
        if wanted.get("hashAlgorithm") != "SHA256":
            return NOT_FOUND
        for entry in self._entries:
            if _same_hash(entry["hash"], wanted):
                break
        else:
            return NOT_FOUND
        if entry["use"] == CS_ROOT and \
                len([e for e in self._entries if e["use"] == CS_ROOT]) <= 1:
            return FAILED
        if entry["use"] == CS_ROOT and not entry.get("fallback") and \
                self._config.get("AdditionalRootCertificateCheck"):
            return FAILED  # replaced only (M05.FR.08)
        try:
            self._save([e for e in self._entries if e is not entry])
            os.remove(self._folder + "/" + entry["file"])
        except OSError as error:
            self._log("certs: flash write failed (%s)" % error)
            return FAILED
        self._changed(entry["use"])
        return ACCEPTED

    def _changed(self, use):
        if self.on_change is not None:
            self.on_change(use)

    def _invalid(self, use, reason):
        self._log("certs: %s" % reason)
        if self.on_invalid is not None:
            self.on_invalid(use, reason)
        return REJECTED

    def _refusal(self, cert):
        if not cert.is_ca:
            return "not a CA certificate"
        if not self._clock.within(cert.not_before, cert.not_after):
            return "outside its validity (%s to %s)" % (cert.not_before, cert.not_after)
        return None

    def _installed_issuer(self, cert):
        issuer = sha256_hex(cert.issuer)
        for entry in self._entries:
            if entry["subject"] == issuer:
                data = read_or_none(self._folder + "/" + entry["file"])
                return Certificate(data) if data else None
        return None

    def _find(self, use, wanted):
        for entry in self._entries:
            if entry["use"] == use and _same_hash(entry["hash"], wanted):
                return entry
        return None

    def _free_file_name(self):
        taken = [entry["file"] for entry in self._entries]
        number = 0
        while "%d.der" % number in taken:
            number += 1
        return "%d.der" % number

    def _save(self, entries):
        write_json_atomic(self._folder + "/index.json", entries)
        self._entries = entries


def _der(pem_or_der):
    if type(pem_or_der) is not str:
        return pem_or_der
    from x509.pem import pem_to_der

    blocks = pem_to_der(pem_or_der)
    if len(blocks) != 1:
        raise ValueError("%d PEM blocks, expected one certificate" % len(blocks))
    return blocks[0]


def _checked_index(entries, log):
    """The index's well-formed entries; each other one is left out and logged."""
    if type(entries) is not list:
        raise ValueError("not a list")
    kept = [entry for entry in entries if _well_formed(entry)]
    if len(kept) < len(entries):
        log("certs: %d malformed index entries left out" % (len(entries) - len(kept)))
    return kept


def _well_formed(entry):
    if type(entry) is not dict or entry.get("use") not in (CS_ROOT, MANUFACTURER_ROOT) or \
            type(entry.get("subject")) is not str or type(entry.get("fallback", False)) \
            is not bool:
        return False
    name = entry.get("file")
    # A name _free_file_name gave: never a path that reaches outside the folder.
    if type(name) is not str or not name.endswith(".der") or not name[:-4].isdigit():
        return False
    found = entry.get("hash")
    return type(found) is dict and all(type(found.get(field)) is str
                                       for field in _HASH_FIELDS + ("hashAlgorithm",))


def _one_der_element(data):
    """The file holds one DER element and nothing more (a certificate's outer SEQUENCE)."""
    from x509.der import SEQUENCE, element

    try:
        return bool(data) and data[0] == SEQUENCE and element(data, 0)[2] == len(data)
    except ValueError:
        return False


def _same_hash(a, b):
    # CiStrings: compared without regard to case; serials also without leading zeroes.
    for field in _HASH_FIELDS:
        x, y = str(a.get(field, "")).upper(), str(b.get(field, "")).upper()
        if field == "serialNumber":
            x, y = x.lstrip("0") or "0", y.lstrip("0") or "0"
        if x != y:
            return False
    return True
