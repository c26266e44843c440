#!/usr/bin/python3
"""An OAuth 2.0 authorization server, a test peer for hookauth's integration tests (not production code).

Authlib 1.2 (Debian python3-authlib + python3-flask) does the protocol: RFC 6749 grants client_credentials,
authorization_code and refresh_token, RFC 7636 PKCE, RFC 7662 introspection, RFC 7009 revocation. This
file only wires it to in-memory models and adds test controls. Needs /usr/bin/python3 (the pyenv python3
on PATH cannot see Debian packages):

    /usr/bin/python3 tests/peers/oauth_server.py --port 0 [--host 127.0.0.1] [--expires-in SECONDS]
        [--rotate-refresh] [--issue-refresh-for-client-credentials] [--send-iss] [--verbose]

The FIRST stderr line is `listening on http://HOST:PORT`; loopback hosts only; SIGTERM/SIGINT exit 0.
--expires-in: default 3600; 0 = tokens never expire and answers omit expires_in. --rotate-refresh: a
refresh issues a new refresh token and revokes the old one (reuse -> invalid_grant); WITHOUT it the refresh
answer has no refresh_token member and the old refresh token stays valid (RFC 6749 section 6).
--issue-refresh-for-client-credentials: client_credentials also issues a refresh token. --send-iss: every
/authorize redirect (success or error) carries iss=<base URL> (RFC 9207). --verbose: log requests.

/token (GET or POST; parameters from the form body and/or the query string, body wins). Client auth must
be the client's registered method ("none" = public client). Authlib answers invalid_client with 401.
/authorize (GET) auto-approves as the only user (sub "1", username "alice") and redirects with code and
state. PKCE S256 is required of every client (no code_challenge or "plain" -> error=invalid_request
redirect); codes are single-use and live 600 s. /introspect (POST; basic or post auth, any client may
ask): {"active": true, exp, iat, scope, client_id, token_type, sub, username?} for a live token, else
{"active": false}. /revoke (POST): 200 {}; revoking a refresh token also kills the access tokens it
produced. Requested scopes the client may not have are dropped (Authlib); no scope = all allowed scopes.

Admin/test-control API (JSON; these requests are neither logged nor counted):
  POST /_admin/clients {"client_id", "client_secret" ("" = public), "redirect_uris": [...], "grant_types":
        [...] (default all three; refreshing needs "refresh_token"), "scope": "a b",
        "token_endpoint_auth_method": "client_secret_basic" (default with a secret) | "client_secret_post"
        | "none" (default without)} -> 201 and the client.
  GET  /_admin/log   every /token, /introspect, /revoke request in arrival order: {"path", "method",
        "query": {name: [values]}, "form": {name: [values]}, "headers": {name as received: value},
        "grant_type", "status"}.
  GET  /_admin/count {"token": N, "introspect": M, "revoke": R}: requests received, successful or not.
  POST /_admin/config any of: "expires_in": N (0 = omit); "rotate_refresh": bool; "refuse_refresh": bool
        (refresh_token grants -> 400 invalid_grant); "fail_next": {"status", "content_type", "body",
        "headers"?} (the next /token answer, verbatim, once); "error_next": {"status", "error",
        "error_description"?} (the next /token gets that RFC 6749 5.2 JSON error, once); "delay": seconds
        (sleep before answering each /token); "issue_refresh_for_client_credentials"; "send_iss".
        Answers the whole config.
  POST /_admin/revoke_all  revokes every issued token -> {"revoked": N}.
"""

import argparse
import ipaddress
import os
import secrets
import signal
import sys
import threading
import time
from types import SimpleNamespace

from flask import Flask, Response, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server
from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint

# Authlib refuses plain-http URLs other than http://localhost:..., even on loopback (read per request).
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
LOCK = threading.RLock()  # guards everything below; Authlib calls run under it (the server is threaded)
CONFIG = {"expires_in": 3600, "rotate_refresh": False, "refuse_refresh": False, "fail_next": None,
          "error_next": None, "delay": 0, "issue_refresh_for_client_credentials": False, "send_iss": False}
CLIENTS, CODES, TOKENS = {}, {}, {}  # client_id -> Client, code -> AuthCode, token string -> Token
LOG, COUNTS = [], {"token": 0, "introspect": 0, "revoke": 0}
ISSUER = ""
ALL_GRANTS = ["authorization_code", "client_credentials", "refresh_token"]
ALICE = SimpleNamespace(id="1", username="alice")  # the only resource owner
NO_USER = SimpleNamespace(id=None)  # stands for "the client itself" when refreshing a client_credentials token


class Client(ClientMixin):
    def __init__(self, d):
        self.client_id, self.client_secret = d["client_id"], d.get("client_secret") or ""
        self.redirect_uris = list(d.get("redirect_uris") or [])
        self.grant_types = list(d.get("grant_types") or ALL_GRANTS)
        self.scope = d.get("scope") or ""
        self.auth_method = d.get("token_endpoint_auth_method") or (
            "client_secret_basic" if self.client_secret else "none")
        self.info = {"client_id": self.client_id, "client_secret": self.client_secret, "scope": self.scope,
                     "redirect_uris": self.redirect_uris, "grant_types": self.grant_types,
                     "token_endpoint_auth_method": self.auth_method}

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        allowed = self.scope.split()
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        known = self.client_secret.encode()
        return bool(known) and secrets.compare_digest(known, client_secret.encode())

    def check_endpoint_auth_method(self, method, endpoint):
        if method == "none":  # public clients only, never for introspection
            return not self.client_secret and endpoint != "introspection"
        if endpoint == "token":  # the registered method, strictly
            return method == self.auth_method
        return True

    def check_response_type(self, response_type):
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


class AuthCode:
    def __init__(self, code, req):
        self.code, self.client_id, self.user_id = code, req.client.client_id, req.user.id
        self.redirect_uri, self.scope = req.redirect_uri, req.scope or ""
        self.code_challenge = req.data.get("code_challenge")
        self.code_challenge_method = req.data.get("code_challenge_method")
        self.expires_at = time.time() + 600

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


class Token(TokenMixin):
    """One access token or one refresh token; a refresh token keeps the access tokens it produced."""

    def __init__(self, kind, value, client_id, user_id, scope, expires_in):
        self.kind, self.value, self.client_id, self.user_id = kind, value, client_id, user_id
        self.scope, self.expires_in = scope or "", expires_in or 0
        self.issued_at, self.revoked, self.linked = time.time(), False, []

    def check_client(self, client):
        return self.client_id == client.client_id

    def get_scope(self):
        return self.scope

    def is_expired(self):
        return self.kind == "access" and bool(self.expires_in) and \
            time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.revoked

    def revoke(self):
        self.revoked = True
        for t in self.linked:
            t.revoked = True


def save_token(token, req):
    user_id = req.user.id if req.user else None
    access = Token("access", token["access_token"], req.client.client_id, user_id, token.get("scope"),
                   token.get("expires_in"))
    TOKENS[access.value] = access
    if token.get("refresh_token"):
        refresh = Token("refresh", token["refresh_token"], req.client.client_id, user_id, token.get("scope"), 0)
        refresh.linked.append(access)
        TOKENS[refresh.value] = refresh
    elif isinstance(req.credential, Token):  # refresh without rotation: the old refresh token owns it too
        req.credential.linked.append(access)


def random_token(**_kwargs):
    return secrets.token_urlsafe(32)


BEARER = BearerTokenGenerator(random_token, random_token, lambda client, grant_type: CONFIG["expires_in"])


def generate_token(grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
    """Authlib's bearer generator, with the client's whole allowed scope when none was requested."""
    return BEARER(grant_type, client, user, scope or client.scope or None, expires_in, include_refresh_token)


# ---- grants: Authlib's, allowing GET at /token and the test-controlled refresh behaviour ----
TOKEN_AUTH = ["client_secret_basic", "client_secret_post", "none"]


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    TOKEN_ENDPOINT_HTTP_METHODS = ["GET", "POST"]

    def generate_token(self, **kwargs):  # Authlib's grant always passes include_refresh_token=False
        kwargs["include_refresh_token"] = CONFIG["issue_refresh_for_client_credentials"]
        return super().generate_token(**kwargs)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH
    TOKEN_ENDPOINT_HTTP_METHODS = ["GET", "POST"]

    def save_authorization_code(self, code, req):
        CODES[code] = AuthCode(code, req)

    def query_authorization_code(self, code, client):
        item = CODES.get(code)
        if item and item.client_id == client.client_id and time.time() < item.expires_at:
            return item

    def delete_authorization_code(self, authorization_code):
        CODES.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return ALICE if authorization_code.user_id == ALICE.id else None


class S256Required(CodeChallenge):
    """Authlib's PKCE, made mandatory for every client and S256-only (Authlib only forces public clients)."""
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant):
        req = grant.request
        if not req.data.get("code_challenge") or req.data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: code_challenge with code_challenge_method=S256",
                                      state=req.state)
        super().validate_code_challenge(grant)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH
    TOKEN_ENDPOINT_HTTP_METHODS = ["GET", "POST"]

    def authenticate_refresh_token(self, refresh_token):
        tok = TOKENS.get(refresh_token)
        if tok and tok.kind == "refresh" and not tok.revoked:
            return tok

    def authenticate_user(self, credential):
        return ALICE if credential.user_id == ALICE.id else NO_USER

    def issue_token(self, user, credential):
        # Authlib reuses the old token's expires_in; use the current config instead, and rotate per config.
        self.rotate = CONFIG["rotate_refresh"]
        return self.generate_token(user=user, scope=self.request.scope or credential.get_scope(),
                                   include_refresh_token=self.rotate)

    def revoke_old_credential(self, credential):
        if self.rotate:
            credential.revoked = True  # the old refresh token only; access tokens live until they expire


# ---- RFC 7662 / RFC 7009 endpoints ----
class QueryToken:
    def query_token(self, token_string, token_type_hint):
        return TOKENS.get(token_string)  # the hint is only a hint (RFC 7009 2.1)


class Introspection(QueryToken, IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def check_permission(self, token, client, req):
        return True  # any authenticated client (e.g. a resource server) may introspect any token

    def introspect_token(self, token):
        answer = {"active": True, "client_id": token.client_id, "scope": token.scope,
                  "token_type": "Bearer" if token.kind == "access" else "refresh_token",
                  "sub": token.user_id or token.client_id, "iat": int(token.issued_at)}
        if token.user_id == ALICE.id:
            answer["username"] = ALICE.username
        if token.kind == "access" and token.expires_in:
            answer["exp"] = int(token.issued_at + token.expires_in)
        return answer


class Revocation(QueryToken, RevocationEndpoint):
    CLIENT_AUTH_METHODS = TOKEN_AUTH

    def revoke_token(self, token, req):
        token.revoke()


class Server(AuthorizationServer):
    def create_oauth2_request(self, req):
        # Authlib 1.2 builds OAuth2Request.form from the POST body only, and the grants read code,
        # refresh_token, code_verifier and client_secret_post credentials from .form. Merge the query
        # string in (body wins) so GET /token?... and POST /token?... with an empty body work too.
        if isinstance(req, OAuth2Request):
            return req
        params = request.args.to_dict(flat=True)
        params.update(request.form.to_dict(flat=True))
        query = request.query_string.decode("utf-8", "replace")
        url = request.base_url + ("?" + query if query else "")
        return OAuth2Request(request.method, url, params, request.headers)


app = Flask(__name__)
server = Server(app, query_client=CLIENTS.get, save_token=save_token)
server.register_token_generator("default", generate_token)
server.register_grant(ClientCredentialsGrant)
server.register_grant(AuthorizationCodeGrant, [S256Required(required=True)])
server.register_grant(RefreshTokenGrant)
server.register_endpoint(Introspection)
server.register_endpoint(Revocation)

LOGGED = {"/token": "token", "/introspect": "introspect", "/revoke": "revoke"}


@app.before_request
def log_arrival():
    if request.path in LOGGED:
        raw = request.environ.get("oauth_peer.raw_headers") or list(request.headers.items())
        entry = {"path": request.path, "method": request.method, "query": request.args.to_dict(flat=False),
                 "form": request.form.to_dict(flat=False), "headers": dict(raw),
                 "grant_type": request.values.get("grant_type"), "status": None}
        with LOCK:
            COUNTS[LOGGED[request.path]] += 1
            LOG.append(entry)
        request.environ["oauth_peer.log_entry"] = entry


@app.after_request
def log_status(response):
    entry = request.environ.get("oauth_peer.log_entry")
    if entry is not None:
        entry["status"] = response.status_code
    return response


@app.route("/token", methods=["GET", "POST"])
def token_endpoint():
    if CONFIG["delay"]:
        time.sleep(CONFIG["delay"])  # outside the lock: concurrent token requests really overlap
    with LOCK:
        fail, CONFIG["fail_next"] = CONFIG["fail_next"], None
        if fail is not None:
            return Response(fail.get("body", ""), status=int(fail.get("status", 500)),
                            headers=fail.get("headers") or {}, content_type=fail.get("content_type", "text/plain"))
        err, CONFIG["error_next"] = CONFIG["error_next"], None
        if err is not None:
            return server.handle_error_response(None, OAuth2Error(
                error=err.get("error", "invalid_request"), description=err.get("error_description"),
                status_code=int(err.get("status", 400))))
        if CONFIG["refuse_refresh"] and request.values.get("grant_type") == "refresh_token":
            return server.handle_error_response(None, InvalidGrantError("refresh refused by test config"))
        return server.create_token_response()


@app.route("/authorize", methods=["GET"])
def authorize_endpoint():
    with LOCK:
        response = server.create_authorization_response(grant_user=ALICE)
        send_iss = CONFIG["send_iss"]
    location = response.headers.get("Location")
    if send_iss and response.status_code == 302 and location:
        response.headers["Location"] = add_params_to_uri(location, [("iss", ISSUER)])
    return response


@app.route("/introspect", methods=["POST"])
@app.route("/revoke", methods=["POST"])
def introspect_or_revoke_endpoint():
    endpoint = Introspection if request.path == "/introspect" else Revocation
    with LOCK:
        return server.create_endpoint_response(endpoint.ENDPOINT_NAME)


# ---- admin / test control ----
@app.route("/_admin/clients", methods=["POST"])
def admin_clients():
    data = request.get_json(force=True)
    if not isinstance(data, dict) or not data.get("client_id"):
        return jsonify({"error": "client_id is required"}), 400
    client = Client(data)
    with LOCK:
        CLIENTS[client.client_id] = client
    return jsonify(client.info), 201


@app.route("/_admin/log", methods=["GET"])
@app.route("/_admin/count", methods=["GET"])
def admin_log_or_count():
    with LOCK:
        return jsonify(LOG if request.path == "/_admin/log" else COUNTS)


@app.route("/_admin/config", methods=["POST"])
def admin_config():
    data = request.get_json(force=True)
    if not isinstance(data, dict) or set(data) - set(CONFIG):
        return jsonify({"error": "unknown keys", "known": sorted(CONFIG)}), 400
    with LOCK:
        CONFIG.update(data)
        return jsonify(CONFIG)


@app.route("/_admin/revoke_all", methods=["POST"])
def admin_revoke_all():
    with LOCK:
        live = [t for t in TOKENS.values() if not t.revoked]
        for t in live:
            t.revoked = True
    return jsonify({"revoked": len(live)})


class Handler(WSGIRequestHandler):
    verbose = False

    def make_environ(self):
        environ = super().make_environ()
        environ["oauth_peer.raw_headers"] = list(self.headers.items())  # names exactly as received
        return environ

    def log_request(self, *args, **kwargs):
        if self.verbose:
            super().log_request(*args, **kwargs)


def main():
    global ISSUER
    parser = argparse.ArgumentParser(description="OAuth 2.0 authorization server test peer (Authlib)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--expires-in", type=int, default=3600, help="token lifetime; 0 = omit expires_in")
    parser.add_argument("--rotate-refresh", action="store_true")
    parser.add_argument("--issue-refresh-for-client-credentials", action="store_true")
    parser.add_argument("--send-iss", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args()
    try:
        loopback = args.host == "localhost" or ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        parser.error("--host must be a loopback address")
    CONFIG.update(expires_in=args.expires_in, rotate_refresh=args.rotate_refresh, send_iss=args.send_iss,
                  issue_refresh_for_client_credentials=args.issue_refresh_for_client_credentials)
    Handler.verbose = args.verbose

    httpd = make_server(args.host, args.port, app, threaded=True, request_handler=Handler)
    httpd.daemon_threads = True
    host, port = httpd.server_address[:2]
    ISSUER = "http://%s:%d" % ("[%s]" % host if ":" in host else host, port)

    def stop(signum, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening on %s" % ISSUER, file=sys.stderr, flush=True)
    httpd.serve_forever(poll_interval=0.1)
    httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
