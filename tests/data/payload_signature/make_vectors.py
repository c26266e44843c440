#!/usr/bin/python3
"""Writes vectors.json beside this file: known answers for tests/unit/test_auth_payload_signature.cpp
beyond the two published vectors (Standard Webhooks' and GitHub's, which the test holds itself).

    /usr/bin/python3 tests/data/payload_signature/make_vectors.py

Each value is worked out here from the scheme's definition with Python's hmac, hashlib and base64
modules (and python3-cryptography for Ed25519, whose signatures are deterministic, RFC 8032 5.1.6).
Nothing here runs hookauth. The inputs are fixed, so the output is the same on every run.
"""

import base64
import hashlib
import hmac
import json
import os

from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = os.path.dirname(os.path.abspath(__file__))

TS = 1714564800  # 2024-05-01T12:00:00Z
BODY = '{"type":"invoice.paid","amount":4200,"note":"caf\u00e9\\nline"}\n'


def b64(data):
    return base64.b64encode(data).decode()


def mac(key, content, digest=hashlib.sha256):
    return hmac.new(key.encode() if isinstance(key, str) else key, content.encode(), digest).digest()


def standard_hmac_entry(secret, content):
    """Standard Webhooks v1: base64(HMAC-SHA256(base64-decoded secret after whsec_, id.ts.body))."""
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    assert 24 <= len(key) <= 64
    return "v1," + b64(mac(key, content))


def standard_webhooks():
    spec_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    second_secret = "whsec_" + b64(bytes(range(32)))
    msg_id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
    content = f"{msg_id}.{TS}.{BODY}"
    rotation = {
        "secrets": [spec_secret, second_secret],
        "id": msg_id,
        "timestamp": TS,
        "body": BODY,
        "content": content,
        "signature": standard_hmac_entry(spec_secret, content) + " " + standard_hmac_entry(second_secret, content),
    }

    seed = hashlib.sha256(b"hookauth whsk_ test seed").digest()
    private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    ed_id = "msg_ed25519"
    ed_content = f"{ed_id}.{TS}.{BODY}"
    ed = {
        "whsk_32": "whsk_" + b64(seed),
        "whsk_64": "whsk_" + b64(seed + public),
        "whpk": "whpk_" + b64(public),
        "id": ed_id,
        "timestamp": TS,
        "body": BODY,
        "content": ed_content,
        "signature": "v1a," + b64(private.sign(ed_content.encode())),
    }
    return rotation, ed


def github():
    secrets = ["gh-new-secret", "gh-old-secret"]
    return {
        "secrets": secrets,
        "body": BODY,
        # X-Hub-Signature-256: sha256=HEX(HMAC-SHA256(secret as bytes, body)), one per secret
        "signatures": ["sha256=" + mac(s, BODY).hex() for s in secrets],
    }


def stripe():
    secrets = ["whsec_stripe_test_4eC39HqLyjWDarjtT1zdp7dc", "whsec_stripe_old_secret"]
    content = f"{TS}.{BODY}"
    return {
        "secrets": secrets,
        "timestamp": TS,
        "body": BODY,
        "content": content,
        # Stripe-Signature: t=TS then v1=HEX(HMAC-SHA256(secret as bytes, "TS." + body)) per secret
        "v1": [mac(s, content).hex() for s in secrets],
    }


def generic_hmac():
    secret = "partner-shared-secret"
    msg_id = "evt_42"
    cases = []
    for template, sha512, base64_encoding, prefix in [
        ("{body}", False, False, ""),
        ("{body}", False, True, ""),
        ("{body}", True, False, ""),
        ("{timestamp}.{id}.{body}", True, True, "sha512="),
        ("{timestamp}:{body}", False, False, "v0="),
        ("id={id}", False, False, ""),
    ]:
        content = template.replace("{timestamp}", str(TS)).replace("{id}", msg_id).replace("{body}", BODY)
        raw = mac(secret, content, hashlib.sha512 if sha512 else hashlib.sha256)
        cases.append({
            "template": template,
            "sha512": sha512,
            "base64": base64_encoding,
            "prefix": prefix,
            "content": content,
            "value": prefix + (b64(raw) if base64_encoding else raw.hex()),
        })
    return {"secret": secret, "id": msg_id, "timestamp": TS, "body": BODY, "cases": cases}


def main():
    rotation, ed = standard_webhooks()
    vectors = {
        "standard_webhooks_rotation": rotation,
        "standard_webhooks_ed25519": ed,
        "github": github(),
        "stripe": stripe(),
        "hmac": generic_hmac(),
    }
    with open(os.path.join(HERE, "vectors.json"), "w") as f:
        json.dump(vectors, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
