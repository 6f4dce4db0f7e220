"""Authorization header codec: Base64 (2.2.1) and raw (2.1.1) tokens, garbage is 401."""

from __future__ import annotations

import base64

import pytest

from ocpi.auth import authorization_header, parse_authorization, token_candidates
from ocpi.errors import Unauthorized


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_outbound_base64_and_raw() -> None:
    assert authorization_header("example-token") == "Token ZXhhbXBsZS10b2tlbg=="
    assert authorization_header("example-token", base64_encode=False) == "Token example-token"
    for bad in ("", "with space", "x" * 65, "čšž"):
        with pytest.raises(ValueError, match="printable"):
            authorization_header(bad)


@pytest.mark.parametrize(
    ("header", "candidates"),
    [
        ("Token ZXhhbXBsZS10b2tlbg==", ("example-token", "ZXhhbXBsZS10b2tlbg==")),
        # the spec's own example encodes a trailing newline
        ("Token ZXhhbXBsZS10b2tlbgo=", ("example-token", "ZXhhbXBsZS10b2tlbgo=")),
        ("Token example-token", ("example-token",)),
        ("token example-token", ("example-token",)),
        ("  Token   example-token  ", ("example-token",)),
        ("Token 9e80ae10-28be-11e9-b210-d663bd873d93", ("9e80ae10-28be-11e9-b210-d663bd873d93",)),
        # valid base64 of non-printable bytes: raw
        ("Token abcd", ("abcd",)),
        # non-canonical base64 (missing padding): raw
        ("Token ZXhhbXBsZS10b2tlbg", ("ZXhhbXBsZS10b2tlbg",)),
        # base64 of something that is not a token ("has space"): raw (then unknown -> 401)
        ("Token aGFzIHNwYWNl", ("aGFzIHNwYWNl",)),
    ],
)
def test_inbound_accepts_base64_and_raw(header: str, candidates: tuple[str, ...]) -> None:
    assert token_candidates(header) == candidates


def test_long_token_base64_is_decoded() -> None:
    token = "A" * 64
    parsed = parse_authorization("Token " + b64(token))
    assert parsed.decoded == token
    assert parsed.candidates == (token,)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Token",
        "Token ",
        "Bearer abc",
        "Basic dXNlcjpwYXNz",
        "Token a b",
        "Token čšž",
        "Token " + "x" * 65,
        "Token " + "x" * 600,
        "Token \x00abc",
    ],
)
def test_garbage_is_unauthorized(header: str | None) -> None:
    with pytest.raises(Unauthorized) as info:
        parse_authorization(header)
    assert info.value.http_status == 401
    if header and len(header) > 6:
        assert header[6:] not in info.value.message
