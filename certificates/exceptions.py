class CertificateError(Exception):
    """A rule of certification refused an action; the message is shown to the user."""


class IllegalStatusChange(CertificateError):
    """A certificate cannot move from its current status to the one asked for."""


class RequirementsNotMet(CertificateError):
    """The holder does not meet the program's requirements (or not the ones that cannot be waived)."""


class CredentialError(Exception):
    """A credential (or a document it names) cannot be processed: unknown context, undefined term, bad proof."""
