"""A small OpenID Connect provider for the tests, shaped like ProConnect, built on Authlib (its OAuth 2.0 / OpenID
Connect server) and Flask, served by werkzeug on 127.0.0.1 in a thread.

It serves discovery, authorize (PKCE S256 required, nonce), token (codes single-use and short-lived), userinfo
answered as a JWT signed RS256 (`application/jwt`, as ProConnect does), the JWKS and end_session. The agent who
"signs in" at the provider is whoever the test put in `provider.agent` (claims: email, given_name, usual_name,
siret…): the authorize endpoint issues the code at once, as ProConnect does once its user is authenticated.

    with running_provider(client_id="pacte", client_secret="s3cret") as provider:
        provider.agent = {"sub": "agent-1", "email": "a@b.fr", ...}
        provider.discovery_url  # http://127.0.0.1:<port>/.well-known/openid-configuration
"""

import os
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

import flask
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CODE_LIFETIME = 60  # seconds (ProConnect: a minute or so)
PROVIDER_SCOPES = {"openid", "given_name", "usual_name", "email", "uid", "siret", "siren", "organizational_unit"}


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in scope.split() if s in PROVIDER_SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri.startswith("http://testserver/") or redirect_uri.startswith("http://127.0.0.1")

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in {"client_secret_post", "client_secret_basic"}

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    agent: dict
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return int(self.issued_at)

    def get_acr(self):
        return "eidas1"

    def get_amr(self):
        return ["pwd"]


@dataclass
class Token(TokenMixin):
    access_token: str
    client_id: str
    scope: str
    agent: dict
    expires_at: float

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return int(self.expires_at - time.time())

    def is_expired(self):
        return time.time() >= self.expires_at

    def is_revoked(self):
        return False


class Provider:
    def __init__(self, *, client_id: str, client_secret: str):
        self.client = Client(client_id, client_secret)
        self.key = RSAKey.generate_key(2048, parameters={"kid": "proconnect-test-key", "alg": "RS256", "use": "sig"})
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Token] = {}
        self.agent: dict = {}
        self.authorize_requests: list[dict] = []  # the query of each authorize request, for the tests to look at
        self.token_requests: list[dict] = []
        self.end_session_requests: list[dict] = []
        self.discovery_hits = 0
        self.url = ""  # set once the server listens
        self.app = self._app()

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def _sign(self, claims: dict) -> str:
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)

    def _app(self) -> flask.Flask:
        provider = self
        app = flask.Flask("oidc_provider")
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 3600}
        app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = False

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post", "client_secret_basic"]

            def save_authorization_code(self, code, request):
                data = request.payload.data
                provider.codes[code] = Code(
                    code=code,
                    client_id=request.client.get_client_id(),
                    redirect_uri=request.payload.redirect_uri,
                    scope=request.payload.scope,
                    nonce=data.get("nonce"),
                    agent=dict(request.user),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                if found is None or found.client_id != client.get_client_id():
                    return None
                if time.time() - found.issued_at > CODE_LIFETIME:
                    return None  # expired
                return found

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)  # single use

            def authenticate_user(self, authorization_code):
                return authorization_code.agent

        class ProConnectOpenIDCode(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return any(code.nonce == nonce for code in provider.codes.values())

            def resolve_client_private_key(self, client):
                return provider.key

            def get_client_algorithm(self, client):
                return "RS256"

            def get_client_claims(self, client):
                return {"iss": provider.issuer, "aud": client.get_client_id(), "exp": int(time.time()) + 60}

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": provider.key.kid}

            def generate_user_info(self, user, scope):
                return {"sub": user["sub"]}  # ProConnect's id_token carries no profile claims: userinfo has them

        class Challenge(CodeChallenge):
            def get_authorization_code_challenge(self, authorization_code):
                return authorization_code.code_challenge

            def get_authorization_code_challenge_method(self, authorization_code):
                return authorization_code.code_challenge_method

        def save_token(token, request):
            provider.tokens[token["access_token"]] = Token(
                access_token=token["access_token"],
                client_id=request.client.get_client_id(),
                scope=token.get("scope", ""),
                agent=dict(request.user),
                expires_at=time.time() + token["expires_in"],
            )

        server = AuthorizationServer(
            app, query_client=lambda cid: provider.client if cid == provider.client.client_id else None
        )
        server.save_token = save_token
        server.register_grant(CodeGrant, [ProConnectOpenIDCode(require_nonce=True), Challenge(required=True)])

        class Validator(BearerTokenValidator):
            def authenticate_token(self, token_string):
                return provider.tokens.get(token_string)

        require_token = ResourceProtector()
        require_token.register_token_validator(Validator())

        @app.get("/.well-known/openid-configuration")
        def discovery():
            provider.discovery_hits += 1
            base = provider.url
            return flask.jsonify(
                {
                    "issuer": base,
                    "authorization_endpoint": f"{base}/api/v2/authorize",
                    "token_endpoint": f"{base}/api/v2/token",
                    "userinfo_endpoint": f"{base}/api/v2/userinfo",
                    "jwks_uri": f"{base}/api/v2/jwks",
                    "end_session_endpoint": f"{base}/api/v2/session/end",
                    "response_types_supported": ["code"],
                    "grant_types_supported": ["authorization_code"],
                    "scopes_supported": sorted(PROVIDER_SCOPES),
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "userinfo_signing_alg_values_supported": ["RS256"],
                    "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                }
            )

        @app.get("/api/v2/jwks")
        def jwks():
            return flask.jsonify(KeySet([provider.key]).as_dict(private=False))

        @app.get("/api/v2/authorize")
        def authorize():
            provider.authorize_requests.append(dict(flask.request.args))
            if not provider.agent:
                return "no agent signed in at the provider", 400
            agent = dict(provider.agent)
            try:
                grant = server.get_consent_grant(end_user=agent)
            except OAuth2Error as error:
                return server.handle_error_response(server.create_oauth2_request(flask.request), error)
            return server.create_authorization_response(grant_user=agent, grant=grant)

        @app.post("/api/v2/token")
        def token():
            provider.token_requests.append(dict(flask.request.form))
            return server.create_token_response()

        @app.get("/api/v2/userinfo")
        @require_token("openid")
        def userinfo():
            access = current_token
            granted = set(access.scope.split())
            claims = {k: v for k, v in access.agent.items() if k == "sub" or k in granted or k == "email_verified"}
            if "siret" in granted and "siret" in access.agent:
                claims["siret"] = access.agent["siret"]
            claims.update({"iss": provider.issuer, "aud": access.client_id, "iat": int(time.time())})
            return flask.Response(provider._sign(claims), content_type="application/jwt; charset=utf-8")

        @app.get("/api/v2/session/end")
        def end_session():
            args = dict(flask.request.args)
            provider.end_session_requests.append(args)
            target = args.get("post_logout_redirect_uri")
            if not target:
                return "signed out of the provider"
            separator = "&" if "?" in target else "?"
            return flask.redirect(target + separator + urlencode({"state": args.get("state", "")}))

        return app


@contextmanager
def running_provider(*, client_id: str = "pacte-test", client_secret: str = "secret-de-test"):
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on 127.0.0.1 (tests only)
    provider = Provider(client_id=client_id, client_secret=client_secret)
    server = make_server("127.0.0.1", 0, provider.app, threaded=True)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)
