#!/usr/bin/python3
"""Writes the JWT and JWS test vectors beside this file, for tests/unit/test_auth_jwt.cpp and
tests/unit/test_auth_crypto.cpp. Nothing here runs hookauth.

    /usr/bin/python3 tests/data/jwt/make_vectors.py

needs python3-authlib (1.2.0, `authlib.jose`) and python3-cryptography (Debian 12). Keys are fresh
on every run, so the output differs each time, but the tests read everything they need from these
files (they pin JwtExpectations::now to NOW), so any run's output passes.

Files written:
  jwks.json       the public JWKS: rsa-2024 (RS256, 2048-bit), ec-2024 (ES256, P-256), ed-2024 (EdDSA, Ed25519)
  jwks_weak.json  one RSA key of 1024 bits (weak-1024), below RFC 7518 3.3's minimum
  tokens.json     the tokens, each with what it is for
  crypto.json     raw JWS inputs in hex for crypto::rs256_verify / es256_verify, and a P-256 point
                  that is not on the curve
"""

import base64
import json
import os

from authlib.jose import JsonWebKey, jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = os.path.dirname(os.path.abspath(__file__))

NOW = 1714564800  # 2024-05-01T12:00:00Z
ISSUER = "https://login.partner.example"
AUDIENCE = "hookauth-receiver"
CLAIMS = {"iss": ISSUER, "aud": AUDIENCE, "sub": "partner-7", "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 600}


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims(**change):
    c = dict(CLAIMS)
    c.update(change)
    return {k: v for k, v in c.items() if v is not None}


def mint(alg, key, kid, payload):
    header = {"alg": alg}
    if kid is not None:
        header["kid"] = kid
    return jwt.encode(header, payload, key).decode()


def public_jwk(key, kid, alg):
    d = dict(key.as_dict(is_private=False))
    for private_member in ("d", "p", "q", "dp", "dq", "qi"):
        assert private_member not in d, d
    d.update({"kid": kid, "alg": alg, "use": "sig"})
    return d


def with_payload(token, payload):
    """The token's header and signature around another payload: a tampered token."""
    h, _, s = token.split(".")
    return h + "." + b64url(json.dumps(payload, separators=(",", ":"))) + "." + s


def with_flipped_signature(token):
    """The token with one bit of its signature's first byte flipped."""
    h, p, s = token.split(".")
    raw = bytearray(b64url_decode(s))
    raw[0] ^= 0x01
    return h + "." + p + "." + b64url(bytes(raw))


def main():
    rsa_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_private = ec.generate_private_key(ec.SECP256R1())
    ed_private = ed25519.Ed25519PrivateKey.generate()
    weak_private = rsa.generate_private_key(public_exponent=65537, key_size=1024)

    rsa_jwk = JsonWebKey.import_key(rsa_private, {"kty": "RSA"})
    ec_jwk = JsonWebKey.import_key(ec_private, {"kty": "EC"})
    ed_jwk = JsonWebKey.import_key(ed_private, {"kty": "OKP"})
    weak_jwk = JsonWebKey.import_key(weak_private, {"kty": "RSA"})

    jwks = {"keys": [public_jwk(rsa_jwk, "rsa-2024", "RS256"), public_jwk(ec_jwk, "ec-2024", "ES256"),
                     public_jwk(ed_jwk, "ed-2024", "EdDSA")]}
    jwks_weak = {"keys": [public_jwk(weak_jwk, "weak-1024", "RS256")]}

    rs256 = mint("RS256", rsa_jwk, "rsa-2024", claims())
    es256 = mint("ES256", ec_jwk, "ec-2024", claims())
    eddsa = mint("EdDSA", ed_jwk, "ed-2024", claims())
    hs256_key = JsonWebKey.import_key("a shared secret of 32 bytes!!!!!", {"kty": "oct"})
    none_header = b64url(json.dumps({"alg": "none", "kid": "rsa-2024"}, separators=(",", ":")))

    tokens = {
        "rs256": (rs256, "RS256 by rsa-2024, the fixed claims"),
        "es256": (es256, "ES256 by ec-2024, the fixed claims"),
        "eddsa": (eddsa, "EdDSA by ed-2024, the fixed claims"),
        "eddsa_no_kid": (mint("EdDSA", ed_jwk, None, claims()), "EdDSA by ed-2024, no kid in the header"),
        "rs256_aud_array": (mint("RS256", rsa_jwk, "rsa-2024", claims(aud=["https://other.example", AUDIENCE])),
                            "RS256, aud an array holding the audience second"),
        "rs256_aud_other": (mint("RS256", rsa_jwk, "rsa-2024", claims(aud=["https://other.example"])),
                            "RS256, aud an array without the audience"),
        "rs256_no_exp": (mint("RS256", rsa_jwk, "rsa-2024", claims(exp=None)), "RS256, no exp"),
        "rs256_unknown_kid": (mint("RS256", rsa_jwk, "rsa-2023", claims()), "RS256 by the RSA key, kid rsa-2023"),
        "rs256_exp_max": (mint("RS256", rsa_jwk, "rsa-2024", claims(exp=2**63 - 1)),
                          "RS256, exp 2^63-1 (the largest int64): never expires"),
        "rs256_nbf_huge": (mint("RS256", rsa_jwk, "rsa-2024", claims(nbf=2**64 - 1)),
                           "RS256, nbf 2^64-1 (beyond int64): not valid yet"),
        "rs1024": (mint("RS256", weak_jwk, "weak-1024", claims()), "RS256 by the 1024-bit key weak-1024"),
        "hs256": (mint("HS256", hs256_key, "rsa-2024", claims()), "HS256 with a shared secret, kid rsa-2024"),
        "none": (none_header + "." + rs256.split(".")[1] + ".", "alg none, no signature, kid rsa-2024"),
        "rs256_tampered_payload": (with_payload(rs256, claims(sub="partner-8")),
                                   "the rs256 token's header and signature around claims with sub partner-8"),
        "es256_tampered_payload": (with_payload(es256, claims(sub="partner-8")), "likewise for es256"),
        "eddsa_tampered_payload": (with_payload(eddsa, claims(sub="partner-8")), "likewise for eddsa"),
        "rs256_tampered_signature": (with_flipped_signature(rs256), "the rs256 token, one signature bit flipped"),
        "es256_tampered_signature": (with_flipped_signature(es256), "likewise for es256"),
        "eddsa_tampered_signature": (with_flipped_signature(eddsa), "likewise for eddsa"),
    }

    # Raw JWS inputs: RS256 is RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 3.3); ES256 is r||s, 32
    # bytes each (RFC 7518 3.4).
    message = b"hookauth JWS vector"
    rsa_numbers = rsa_private.public_key().public_numbers()
    weak_numbers = weak_private.public_key().public_numbers()
    ec_numbers = ec_private.public_key().public_numbers()
    r, s = decode_dss_signature(ec_private.sign(message, ec.ECDSA(hashes.SHA256())))

    def be(n, size=None):
        size = size or (n.bit_length() + 7) // 8
        return n.to_bytes(size, "big").hex()

    # A P-256 point that is not on the curve: x = 1, y = 1 (y^2 != x^3 - 3x + b mod p).
    p = 2**256 - 2**224 + 2**192 + 2**96 - 1
    b = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
    assert (1 - (1 - 3 + b)) % p != 0

    crypto = {
        "message_hex": message.hex(),
        "rs256": {"n": be(rsa_numbers.n), "e": be(rsa_numbers.e),
                  "signature": rsa_private.sign(message, padding.PKCS1v15(), hashes.SHA256()).hex()},
        "rs1024": {"n": be(weak_numbers.n), "e": be(weak_numbers.e),
                   "signature": weak_private.sign(message, padding.PKCS1v15(), hashes.SHA256()).hex()},
        "es256": {"x": be(ec_numbers.x, 32), "y": be(ec_numbers.y, 32), "signature": be(r, 32) + be(s, 32)},
        "p256_not_on_curve": {"x": be(1, 32), "y": be(1, 32)},
        "ed25519": {"public": ed_private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex(),
                    "signature": ed_private.sign(message).hex()},
    }

    def write(name, obj):
        with open(os.path.join(HERE, name), "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")

    write("jwks.json", jwks)
    write("jwks_weak.json", jwks_weak)
    write("tokens.json", {"now": NOW, "issuer": ISSUER, "audience": AUDIENCE, "claims": CLAIMS,
                          "tokens": {k: {"token": t, "about": about} for k, (t, about) in tokens.items()}})
    write("crypto.json", crypto)


if __name__ == "__main__":
    main()
