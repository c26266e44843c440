"""botocore's own credential resolution and SigV4 signature for one request: the oracle of test_aws_profiles.py.

Usage: /usr/bin/python3 tests/peers/botocore_sign.py '[{"profile": NAME, "service": S, "region": R or null,
        "method": M, "url": U, "headers": [[NAME, VALUE], ...], "body": TEXT, "at": "20150830T123600Z"}, ...]'

The credentials are what `botocore.session.Session(profile=NAME).get_credentials()` finds in the files that
AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE (or ~/.aws) name, credential_process included; the region is
the given one, else the profile's. The request is signed with SigV4Auth at the given time (the credentials'
own expiry is checked against the real clock, as botocore checks it). Each request gets a Session of its own
(one process signs several, to start Python once). Prints a JSON array, one object per request: the
Authorization, X-Amz-Date and X-Amz-Security-Token headers botocore set, the access key and the region; or,
when botocore refuses, {"error": "ExceptionClass: message"}.
"""

import datetime
import json
import sys
import types
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.session


class _Fixed(datetime.datetime):
    at = None

    @classmethod
    def utcnow(cls):
        return cls.at


def sign(spec):
    try:
        session = botocore.session.Session(profile=spec["profile"])
        credentials = session.get_credentials()
        if credentials is None:
            raise RuntimeError("botocore found no credentials")
        frozen = credentials.get_frozen_credentials()
        region = spec.get("region") or session.get_config_variable("region")
        if not region:
            raise RuntimeError("botocore found no region")
    except Exception as e:  # botocore's refusal is the answer here
        return {"error": "%s: %s" % (type(e).__name__, e)}
    request = botocore.awsrequest.AWSRequest(method=spec["method"], url=spec["url"],
                                             data=spec.get("body", "").encode("utf-8"))
    for name, value in spec.get("headers", []):
        request.headers[name] = value
    when = datetime.datetime.strptime(spec["at"], "%Y%m%dT%H%M%SZ")
    _Fixed.at = _Fixed(when.year, when.month, when.day, when.hour, when.minute, when.second)
    with mock.patch.object(botocore.auth, "datetime", types.SimpleNamespace(datetime=_Fixed)):
        botocore.auth.SigV4Auth(frozen, spec["service"], region).add_auth(request)
    return {
        "authorization": request.headers["Authorization"],
        "x-amz-date": request.headers["X-Amz-Date"],
        "x-amz-security-token": request.headers.get("X-Amz-Security-Token"),
        "access_key": frozen.access_key,
        "region": region,
    }


def main():
    print(json.dumps([sign(spec) for spec in json.loads(sys.argv[1])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
