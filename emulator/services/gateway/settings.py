"""The `gateway:` settings section (EMULATOR_GATEWAY_* env vars): the AI Gateway and the Auth0-compatible token
issuer in front of it (clients, APIs and their scopes, as an Auth0 tenant would hold them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_AUDIENCE = "https://ai-gateway.emulator/"
# One read and one write permission per resource (the seed names none; docs/fidelity.md says why these).
RESOURCES = ("transcriptions", "translations", "video-analyses")
DEFAULT_SCOPES = [f"{verb}:{r}" for r in RESOURCES for verb in ("read", "write")] + ["read:providers"]
# Auth0's grant type names; only client_credentials is emulated (others answer unsupported_grant_type).
GRANT_TYPES = (
    "client_credentials", "authorization_code", "implicit", "refresh_token", "password",
    "http://auth0.com/oauth/grant-type/password-realm", "urn:ietf:params:oauth:grant-type:device_code",
    "http://auth0.com/oauth/grant-type/mfa-oob", "http://auth0.com/oauth/grant-type/mfa-otp",
    "http://auth0.com/oauth/grant-type/mfa-recovery-code", "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange",
)
DAY = 86400


class ApiConfig(BaseModel):
    """An API (Auth0 "resource server"): what a token's `aud` names."""

    model_config = ConfigDict(extra="forbid")

    identifier: str = Field(min_length=1)
    name: str | None = None
    scopes: list[str] = Field(default_factory=list)
    # RBAC's "Add Permissions in the Access Token": tokens then carry `permissions` (the granted scopes).
    enable_permissions: bool = False
    # "Token Expiration (Seconds)" of the API; a client's token_lifetime overrides it.
    token_lifetime: int = Field(default=DAY, ge=1)


class ClientConfig(BaseModel):
    """A machine-to-machine application and its client grants."""

    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    name: str | None = None
    grant_types: list[str] = Field(default_factory=lambda: ["client_credentials"])
    # Client grants: API identifier -> scopes granted (null: every scope the API defines). An API missing here
    # answers 403 "Client is not authorized to access ...".
    grants: dict[str, list[str] | None] = Field(default_factory=dict)
    token_lifetime: int | None = Field(default=None, ge=1)  # seconds; default: the API's (86400)

    @field_validator("grant_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [g for g in value if g not in GRANT_TYPES]
        if unknown:
            raise ValueError(f"unknown grant type {unknown[0]!r}; expected one of {', '.join(GRANT_TYPES)}")
        return value


class GatewaySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # required: /v1/* needs a valid Bearer token; optional: a token is checked only when sent; off: never.
    auth: Literal["required", "optional", "off"] = "required"
    # The tokens' `iss` and the discovery document's issuer. None: this emulator's base URL with a trailing
    # slash, decided at startup (with_issuer). A value given is used verbatim.
    issuer: str | None = None
    # The gateway's own API identifier: the `aud` /v1/* accepts, and openapi.json's x-oidc-audience.
    audience: str = DEFAULT_AUDIENCE
    # The tenant's "Default Audience": used when a token request names none (else 403 access_denied).
    default_audience: str | None = None
    # Default: one client, emulator-client / emulator-secret, granted every scope of the gateway API.
    clients: list[ClientConfig] | None = None
    # Default: the gateway API alone; the gateway API is added when a list leaves it out.
    apis: list[ApiConfig] | None = None
    # How many jobs are processed at once; the others wait in `pending` (high priority first).
    workers: int = Field(default=2, ge=1)

    @model_validator(mode="after")
    def _defaults(self) -> GatewaySettings:
        apis = list(self.apis or [])
        if not any(api.identifier == self.audience for api in apis):
            apis.insert(0, ApiConfig(identifier=self.audience, name="AI Gateway", scopes=list(DEFAULT_SCOPES)))
        self.apis = apis
        if self.clients is None:
            self.clients = [ClientConfig(client_id="emulator-client", client_secret="emulator-secret",
                                         name="Emulator client", grants={self.audience: None})]
        ids = [c.client_id for c in self.clients]
        if len(set(ids)) != len(ids):
            raise ValueError("clients: client_id values must be unique")
        known = {api.identifier: api for api in apis}
        for client in self.clients:
            for audience, scopes in client.grants.items():
                if audience not in known:
                    raise ValueError(f"clients: {client.client_id} has a grant on {audience!r}, which is not an API")
                undefined = [s for s in scopes or [] if s not in known[audience].scopes]
                if undefined:
                    raise ValueError(f"clients: {client.client_id} is granted {undefined[0]!r}, which {audience} "
                                     "does not define")
        return self

    def api(self, identifier: str) -> ApiConfig | None:
        return next((a for a in self.apis or [] if a.identifier == identifier), None)

    def client(self, client_id: str) -> ClientConfig | None:
        return next((c for c in self.clients or [] if c.client_id == client_id), None)

    def with_issuer(self, base_url: str) -> GatewaySettings:
        """These settings with the issuer decided: the one configured, else base_url with a trailing slash."""
        if self.issuer is not None:
            return self
        return self.model_copy(update={"issuer": base_url.rstrip("/") + "/"})


Section = GatewaySettings  # the name services/catalog.py reads
