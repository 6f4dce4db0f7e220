"""Keys, CSRs, trust roots, signing, certificate store and TLS contexts.

A pure bottom layer (no aiohttp, no database; the gateway persists what it returns):

- :mod:`pki.keys`: key generation, PEM/Base64 serialization, loading, strength check;
- :mod:`pki.csr`: subjects, SANs, CSR building and verified loading;
- :mod:`pki.authority`: root/intermediate CAs, CA import, CSR signing under a policy;
- :mod:`pki.certificates`: certificate loading, summaries, expiry, chain verification;
- :mod:`pki.tls`: ``ssl.SSLContext`` for servers (optionally requiring client certificates)
  and mTLS clients;
- :mod:`pki.errors`: the :class:`~pki.errors.PkiError` hierarchy.
"""
