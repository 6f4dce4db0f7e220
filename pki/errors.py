"""The PKI error hierarchy: every failure of the PKI core is a :class:`PkiError`.

Callers (admin API, CLI, roaming adapters) catch ``PkiError`` and render its message;
the subclasses let them pick a status code without parsing text.
"""

from __future__ import annotations


class PkiError(Exception):
    """Base class of every error raised by the ``pki`` package."""


class InvalidKey(PkiError):
    """Key material that cannot be parsed or is of an unsupported type."""


class WeakKey(PkiError):
    """A key below the minimum strength (RSA < 2048 bits, EC below P-256)."""


class InvalidCsr(PkiError):
    """A CSR that cannot be parsed or whose self-signature does not verify."""


class InvalidCertificate(PkiError):
    """Certificate material that cannot be parsed or is structurally unusable."""


class ExpiredCertificate(PkiError):
    """A certificate used outside its validity period (expired or not yet valid)."""


class NotACertificateAuthority(PkiError):
    """A certificate used as a CA that is not one, or a CA that has no private key."""


class KeyMismatch(PkiError):
    """A private key that does not belong to the certificate it comes with."""


class PolicyViolation(PkiError):
    """A signing request that the signing policy (or the CA's own validity) does not allow."""


class ChainError(PkiError):
    """A certificate chain that does not lead to a trusted root."""


class TlsConfigError(PkiError):
    """PEM material that ``ssl`` refuses when building a TLS context."""
