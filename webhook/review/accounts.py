"""Moderator accounts: hashed passwords, roles, lock-out after repeated failed sign-ins, sign-out.

A sign-in claims one of the account's MAX_FAILURES guesses with a single
conditional UPDATE ... RETURNING before its password is checked, so guesses
sent in parallel cannot all pass the lock check before any of them is counted;
a right password gives the claimed guesses back. Every refusal (unknown name,
locked account, wrong password) costs one password hash and says the same
thing, so none tells that a name exists.
"""

import datetime as dt

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from webhook.store import User, utcnow as now

ROLES = ("moderator", "admin")
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
REFUSED = "wrong name or password, or account locked for a while after too many failed sign-ins"
# Checked against when the name is unknown or the account locked, so every refusal costs the time of a
# wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    pass


def create_user(store, name, password, role="moderator"):
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not name or len(name) > 80 or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise AccountError("name must be 1-80 letters, digits, '.', '-' or '_'")
    _check_password(password)
    with Session(store.engine) as session:
        session.add(User(name=name, password_hash=generate_password_hash(password), role=role, created_at=now()))
        try:
            session.commit()
        except IntegrityError:
            raise AccountError(f"user {name!r} already exists") from None


def _claim_guess(store, user_id):
    """Count one more guess unless the account is locked; True when this guess may be checked.

    One statement, so concurrent sign-ins each see the count the one before left: the guess that
    reaches MAX_FAILURES locks the account, and those after it are refused unchecked. A lock that
    has run out starts the count again."""
    moment = now()
    expired = User.locked_until.is_not(None) & (User.locked_until <= moment)
    count = case((expired, 1), else_=User.failed_logins + 1)
    with store.engine.begin() as conn:
        claimed = conn.execute(
            update(User).where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= moment))
            .values(failed_logins=count,
                    locked_until=case((count >= MAX_FAILURES, moment + dt.timedelta(minutes=LOCK_MINUTES)),
                                      else_=None))
            .returning(User.failed_logins)).first()
    return claimed is not None


def authenticate(store, name, password):
    """(user id, role, name, session generation) when the password is right and the account not locked;
    else raises AccountError with the same message whatever the reason."""
    with Session(store.engine) as session:
        user = session.execute(select(User.id, User.password_hash, User.role, User.name, User.active,
                                      User.session_generation).where(User.name == name)).first()
    if user is None or not user.active or not _claim_guess(store, user.id):
        check_password_hash(_DUMMY_HASH, password)
        raise AccountError(REFUSED)
    if not check_password_hash(user.password_hash, password):
        raise AccountError(REFUSED)
    with store.engine.begin() as conn:
        conn.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=None))
    return user.id, user.role, user.name, user.session_generation


def end_sessions(store, user_id):
    """Sign the user out everywhere: every cookie carrying the current generation stops working."""
    with store.engine.begin() as conn:
        conn.execute(update(User).where(User.id == user_id)
                     .values(session_generation=User.session_generation + 1))


def user_by_id(store, user_id):
    with Session(store.engine) as session:
        return session.get(User, user_id)


def _check_password(password):
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")


def list_users(store):
    """Every account, by name: (name, role, active, locked until or None, created)."""
    with Session(store.engine) as session:
        return session.execute(select(User.name, User.role, User.active, User.locked_until, User.created_at)
                               .order_by(User.name)).all()


def _change(store, name, end_sessions=True, **values):
    """Apply `values` to the account `name` (ending its sessions); AccountError when there is none."""
    if end_sessions:
        values["session_generation"] = User.session_generation + 1
    with store.engine.begin() as conn:
        changed = conn.execute(update(User).where(User.name == name).values(**values)).rowcount
    if not changed:
        raise AccountError(f"no user {name!r}")


def set_active(store, name, active):
    """Disable (every session ends, sign-in refused) or enable an account."""
    _change(store, name, end_sessions=not active, active=active)


def reset_password(store, name, password):
    """A new password; the account's sessions end and any lock is lifted."""
    _check_password(password)
    _change(store, name, password_hash=generate_password_hash(password), failed_logins=0, locked_until=None)


def unlock(store, name):
    """Lift a lock-out after too many failed sign-ins."""
    _change(store, name, end_sessions=False, failed_logins=0, locked_until=None)
