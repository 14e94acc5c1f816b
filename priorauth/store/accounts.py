"""Accounts of the web interface: a name and an Argon2id hash (argon2-cffi), never the password.

`priorauth serve --allow-remote` needs at least one active account; the login page then
asks for a name and a password. Changes to accounts go into the audit log (the account's
name and what was done, never a password or a hash).

    from priorauth.store import accounts, open_store
    store = open_store("postgresql://clinic@dbserver/priorauth")
    accounts.add_user(store, "maria", "a long passphrase")
    accounts.check_password(store, "maria", "a long passphrase")   # "maria", or None
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from priorauth.store.database import Store, StoreError
from priorauth.store.models import AuditEntry, User, utcnow

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # hashing a megabyte on every attempt would be a denial of service
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")


class AccountError(StoreError):
    """A name or password that cannot be used; exit status 2."""


@dataclass(frozen=True)
class Account:
    name: str
    created_at: str  # YYYY-MM-DD HH:MM UTC
    disabled: bool


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106's low-memory profile


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown, so that failing takes as long either way."""
    return _hash("not a password of anyone: only for the timing")


def _hash(password: str) -> str:
    return _hasher().hash(password)


def _verify(hashed: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise AccountError(
            "the account name must be 1 to 100 letters, digits, '.', '_', '-' or '@', starting with a letter or digit",
            "for example: maria.lopez",
        )
    return name


def check_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: it needs at least {MIN_PASSWORD} characters", "a few unrelated words make a good one")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long: at most {MAX_PASSWORD} characters")
    return password


def _find(s: Session, name: str) -> User | None:
    return s.execute(select(User).where(User.name == name)).scalar_one_or_none()


def _audit(s: Session, store: Store, action: str, name: str) -> None:
    s.add(AuditEntry(at=utcnow(), user=store.user, action=action, request_id=None, detail=f"account {name}"))


def add_user(store: Store, name: str, password: str) -> None:
    """Add an active account; an existing name is refused."""
    check_name(name)
    hashed = _hash(check_new_password(password))
    with store.writing() as s:
        if _find(s, name) is not None:
            raise AccountError(f"there is already an account named {name}", f"change its password with `priorauth users passwd {name}`")
        s.add(User(name=name, password_hash=hashed, created_at=utcnow(), disabled=False))
        _audit(s, store, "account-add", name)


def set_password(store: Store, name: str, password: str) -> None:
    """Give the account a new password (and enable it again if it was disabled)."""
    hashed = _hash(check_new_password(password))
    with store.writing() as s:
        user = _existing(s, name)
        user.password_hash = hashed
        user.disabled = False
        _audit(s, store, "account-password", name)


def disable_user(store: Store, name: str) -> bool:
    """Disable the account (it can no longer log in; its name stays in the audit log). False if it already was."""
    with store.writing() as s:
        user = _existing(s, name)
        if user.disabled:
            return False
        user.disabled = True
        _audit(s, store, "account-disable", name)
        return True


def _existing(s: Session, name: str) -> User:
    user = _find(s, name)
    if user is None:
        raise AccountError(f"there is no account named {name}", "`priorauth users list` shows them")
    return user


def _account(u: User) -> Account:
    return Account(u.name, u.created_at.strftime("%Y-%m-%d %H:%M UTC"), bool(u.disabled))


def get_user(store: Store, name: str) -> Account:
    """The account NAME; an unknown name is refused (AccountError)."""
    with store.reading() as s:
        return _account(_existing(s, name))


def list_users(store: Store) -> list[Account]:
    with store.reading() as s:
        users = s.execute(select(User).order_by(User.name)).scalars().all()
        return [_account(u) for u in users]


def is_active(store: Store, name: str) -> bool:
    with store.reading() as s:
        user = _find(s, name)
        return user is not None and not user.disabled


def active_count(store: Store) -> int:
    with store.reading() as s:
        return int(s.execute(select(func.count()).select_from(User).where(User.disabled.is_(False))).scalar_one())


def check_password(store: Store, name: str, password: str) -> str | None:
    """The account's name if the password is right and the account active; None otherwise.

    An unknown name, a disabled account and a wrong password take the same time (one
    Argon2 verification each) and give the same answer. A right password whose hash was
    made with older parameters is hashed again with the current ones.
    """
    if len(password) > MAX_PASSWORD:
        _verify(_dummy_hash(), "")
        return None
    with store.reading() as s:
        user = _find(s, name) if NAME.fullmatch(name) else None
        hashed, disabled = (user.password_hash, bool(user.disabled)) if user is not None else (_dummy_hash(), True)
    if not _verify(hashed, password) or disabled:
        return None
    if _hasher().check_needs_rehash(hashed):
        with store.writing() as s:
            user = _find(s, name)
            if user is not None and user.password_hash == hashed:
                user.password_hash = _hash(password)
    return name
