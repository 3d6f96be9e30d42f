"""OCPP-J 1.6 RPC errors.

Each class of the CALLERROR hierarchy carries its errorCode in `code` (OCPP-J 1.6
section 4.2.3, table 7). The spellings are the 1.6 ones, kept on purpose: errata 5.1
and 5.2 ("do not fix") keep `OccurenceConstraintViolation` and `FormationViolation`
on the wire. `NotImplemented` is a Python builtin constant, so its class is named
`NotImplementedAction`.

Errors that are not an answer to send (a CALLERROR we received, a missing response,
a lost connection, a second outstanding CALL) are separate classes.
"""


class OcppError(Exception):
    """Base of every error that maps to a CALLERROR errorCode.

    `message_id` and `message_type_id` are filled by the frame decoder when it can
    recover them from a malformed frame, so the receiver can still answer a CALL.
    """

    code = "GenericError"

    def __init__(self, description="", details=None, message_id=None, message_type_id=None):
        super().__init__(description)
        self.description = description
        self.details = details if details is not None else {}
        self.message_id = message_id
        self.message_type_id = message_type_id

    def __str__(self):
        # description, not args[0]: ocppj.check prefixes the field path after raising.
        return self.description

    def __repr__(self):
        return "<%s %s %r>" % (type(self).__name__, self.code, self.description)


# Each made by type() rather than by a class statement, whose body is a function of its own:
# from ROMFS, 112 bytes less of a 32-bit board's heap for the ten of them.
NotImplementedAction = type("NotImplementedAction", (OcppError,), {"code": "NotImplemented"})
NotSupported = type("NotSupported", (OcppError,), {"code": "NotSupported"})
InternalError = type("InternalError", (OcppError,), {"code": "InternalError"})
ProtocolError = type("ProtocolError", (OcppError,), {"code": "ProtocolError"})
SecurityError = type("SecurityError", (OcppError,), {"code": "SecurityError"})
FormationViolation = type("FormationViolation", (OcppError,), {"code": "FormationViolation"})
PropertyConstraintViolation = type("PropertyConstraintViolation", (OcppError,),
                                   {"code": "PropertyConstraintViolation"})
OccurenceConstraintViolation = type("OccurenceConstraintViolation", (OcppError,),
                                    {"code": "OccurenceConstraintViolation"})
TypeConstraintViolation = type("TypeConstraintViolation", (OcppError,),
                               {"code": "TypeConstraintViolation"})
GenericError = type("GenericError", (OcppError,), {"code": "GenericError"})


# The codes a 1.6 peer may legitimately send and that we may send (table 7).
STANDARD_CODES = (
    "NotImplemented",
    "NotSupported",
    "InternalError",
    "ProtocolError",
    "SecurityError",
    "FormationViolation",
    "PropertyConstraintViolation",
    "OccurenceConstraintViolation",
    "TypeConstraintViolation",
    "GenericError",
)


class CallErrorReceived(OcppError):
    """The peer answered our CALL with a CALLERROR.

    `code` is the errorCode string exactly as received: peers that apply the errata
    spellings (`OccurrenceConstraintViolation`, `FormatViolation`) or send anything
    else are surfaced, not rejected.
    """

    def __init__(self, code, description="", details=None, message_id=None):
        super().__init__(description, details, message_id, 4)
        self.code = code

    def __str__(self):
        return "%s: %s" % (self.code, self.description)


class ResponseTimeout(Exception):
    """No CALLRESULT or CALLERROR arrived for our CALL in time (OCPP-J 4.1.1)."""

    def __init__(self, action, message_id):
        super().__init__("%s %s: no response" % (action, message_id))
        self.action = action
        self.message_id = message_id


class ConnectionLost(Exception):
    """The connection went away while our CALL was outstanding."""


class CallPending(Exception):
    """A CALL is already outstanding (OCPP-J 4.1.1 allows one at a time)."""
