"""Moderator accounts: hashed passwords, roles, lock-out after repeated failed sign-ins."""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from webhook.store import User, as_utc, utcnow as now

ROLES = ("moderator", "admin")
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
# Checked against when the name is unknown, so a wrong name costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    pass


def create_user(store, name, password, role="moderator"):
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not name or len(name) > 80 or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise AccountError("name must be 1-80 letters, digits, '.', '-' or '_'")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    with Session(store.engine) as session:
        session.add(User(name=name, password_hash=generate_password_hash(password), role=role, created_at=now()))
        try:
            session.commit()
        except IntegrityError:
            raise AccountError(f"user {name!r} already exists") from None


def authenticate(store, name, password):
    """(user id, role) when the password is right and the account not locked; else raises AccountError."""
    with Session(store.engine) as session:
        user = session.scalars(select(User).where(User.name == name)).first()
        if user is None or not user.active:
            check_password_hash(_DUMMY_HASH, password)
            raise AccountError("wrong name or password")
        locked = as_utc(user.locked_until)
        if locked and locked > now():
            raise AccountError("account locked after too many failed sign-ins; try again later")
        if not check_password_hash(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until = now() + dt.timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
            session.commit()
            raise AccountError("wrong name or password")
        user.failed_logins, user.locked_until = 0, None
        session.commit()
        return user.id, user.role, user.name


def user_by_id(store, user_id):
    with Session(store.engine) as session:
        return session.get(User, user_id)
