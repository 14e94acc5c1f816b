"""Accounts of the web interface: the library (Argon2 hashes), migration 0002, `priorauth users`."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect, select, text

from priorauth.store import Store, open_store
from priorauth.store import accounts
from priorauth.store.models import AuditEntry, User
from tests.helpers import invoke

PASSWORD = "correct horse battery staple"


@pytest.fixture
def store(db_url: str) -> Store:
    store = open_store(db_url, "admin")
    yield store  # type: ignore[misc]
    store.close()


def _hash_of(store: Store, name: str) -> str:
    with store.reading() as s:
        return s.execute(select(User.password_hash).where(User.name == name)).scalar_one()


def test_the_hash_is_argon2id_never_the_password(store: Store) -> None:
    accounts.add_user(store, "maria", PASSWORD)
    stored = _hash_of(store, "maria")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.check_password(store, "maria", PASSWORD) == "maria"
    assert accounts.check_password(store, "maria", PASSWORD + "!") is None
    assert accounts.check_password(store, "Maria", PASSWORD) is None  # names are exact
    with store.reading() as s:
        lines = [(e.user, e.action, e.detail) for e in s.execute(select(AuditEntry)).scalars()]
    assert lines == [("admin", "account-add", "account maria")]


def test_disabled_account_is_refused_until_a_new_password(store: Store) -> None:
    accounts.add_user(store, "maria", PASSWORD)
    assert accounts.disable_user(store, "maria") is True
    assert accounts.disable_user(store, "maria") is False
    assert accounts.check_password(store, "maria", PASSWORD) is None
    assert accounts.active_count(store) == 0 and not accounts.is_active(store, "maria")
    accounts.set_password(store, "maria", "another long passphrase")
    assert accounts.check_password(store, "maria", PASSWORD) is None
    assert accounts.check_password(store, "maria", "another long passphrase") == "maria"
    assert [(a.name, a.disabled) for a in accounts.list_users(store)] == [("maria", False)]


def test_old_parameters_are_rehashed_on_login(store: Store) -> None:
    accounts.add_user(store, "maria", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with store.writing() as s:
        s.execute(select(User).where(User.name == "maria")).scalar_one().password_hash = weak
    assert accounts.check_password(store, "maria", "wrong password!") is None
    assert _hash_of(store, "maria") == weak  # a wrong password changes nothing
    assert accounts.check_password(store, "maria", PASSWORD) == "maria"
    renewed = _hash_of(store, "maria")
    assert renewed != weak and not PasswordHasher().check_needs_rehash(renewed)
    assert accounts.check_password(store, "maria", PASSWORD) == "maria"


def test_unknown_and_disabled_names_cost_one_verification_like_a_wrong_password(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    accounts.add_user(store, "maria", PASSWORD)
    accounts.add_user(store, "paul", PASSWORD)
    accounts.disable_user(store, "paul")
    calls: list[str] = []
    real = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda hashed, password: calls.append(hashed[:9]) or real(hashed, password))
    for name, password in (("nobody", PASSWORD), ("paul", PASSWORD), ("maria", "wrong password!"), ("bad name!", PASSWORD)):
        assert accounts.check_password(store, name, password) is None
    assert calls == ["$argon2id"] * 4


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("maria lopez", PASSWORD, "the account name must be 1 to 100 letters, digits, '.', '_', '-' or '@', starting with a letter or digit"),
        ("maria", "short", "the password is too short: it needs at least 10 characters"),
    ],
)
def test_bad_name_or_password_is_refused(store: Store, name: str, password: str, message: str) -> None:
    with pytest.raises(accounts.AccountError) as refused:
        accounts.add_user(store, name, password)
    assert refused.value.message == message
    assert accounts.list_users(store) == []


def test_a_name_is_added_once(store: Store) -> None:
    accounts.add_user(store, "maria", PASSWORD)
    with pytest.raises(accounts.AccountError, match="there is already an account named maria"):
        accounts.add_user(store, "maria", "another long passphrase")
    assert accounts.check_password(store, "maria", PASSWORD) == "maria"


def test_migration_0002_goes_down_and_up(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    import priorauth.store.database as database

    store = open_store(db_url, "admin")
    accounts.add_user(store, "maria", PASSWORD)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    for target, has_users in (("0001", False), ("0002", True), ("0001", False), ("head", True)):
        with store.engine.execution_options(priorauth_write=True).begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if target == "0001" else command.upgrade)(cfg, target)
        with store.engine.connect() as conn:
            assert ("users" in inspect(conn).get_table_names()) is has_users
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == ("0001" if target == "0001" else "0002")
    assert accounts.list_users(store) == []  # down dropped the accounts; up made an empty table
    accounts.add_user(store, "maria", PASSWORD)
    assert accounts.check_password(store, "maria", PASSWORD) == "maria"
    store.close()


# ---- the commands ----------------------------------------------------------------------------


def test_users_add_asks_twice_hidden_and_never_shows_the_password(tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    result = invoke("users", "add", "maria", "--db", db, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Password: \nPassword again: \nadded account maria\n"
    assert PASSWORD not in result.output
    listed = invoke("users", "list", "--db", db)
    assert listed.exit_code == 0
    assert [line.split("\t")[0::2] for line in listed.stdout.splitlines()] == [["maria", "active"]]
    store = open_store(db)
    assert accounts.check_password(store, "maria", PASSWORD) == "maria"
    store.close()


def test_users_add_with_two_different_passwords_asks_again(tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    result = invoke("users", "add", "maria", "--db", db, input=f"{PASSWORD}\nsomething else!\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0
    assert "Error: The two entered values do not match." in result.output
    assert PASSWORD not in result.output and "something else!" not in result.output


def test_users_add_refusals_exit_2(tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    result = invoke("users", "add", "maria", "--password-stdin", "--db", db, input="short\n")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "error: the password is too short: it needs at least 10 characters\n  hint: a few unrelated words make a good one\n"
    result = invoke("users", "add", "maria", "--db", db, input="")
    assert result.exit_code == 2 and "error: no password was given; nothing was changed" in result.stderr
    result = invoke("users", "add", "maria", "--password-stdin", "--db", db, input="")
    assert result.exit_code == 2 and result.stderr.startswith("error: --password-stdin: standard input holds no password\n")
    result = invoke("users", "add", "bad name", "--password-stdin", "--db", db, input=f"{PASSWORD}\n")
    assert result.exit_code == 2 and result.stderr.startswith("error: the account name must be")
    assert invoke("users", "add", "maria", "--password-stdin", "--db", db, input=f"{PASSWORD}\n").exit_code == 0
    result = invoke("users", "add", "maria", "--password-stdin", "--db", db, input=f"{PASSWORD}\n")
    assert result.exit_code == 2
    assert result.stderr == "error: there is already an account named maria\n  hint: change its password with `priorauth users passwd maria`\n"


def test_users_disable_and_passwd(tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    assert invoke("users", "list", "--db", db).stdout == "no accounts yet: add one with `priorauth users add NAME`\n"
    invoke("users", "add", "maria", "--password-stdin", "--db", db, input=f"{PASSWORD}\n")
    assert invoke("users", "disable", "maria", "--db", db).stdout == "disabled account maria\n"
    assert invoke("users", "disable", "maria", "--db", db).stdout == "account maria was already disabled\n"
    assert invoke("users", "list", "--db", db).stdout.endswith("\tdisabled\n")
    result = invoke("users", "passwd", "nobody", "--db", db, input="")
    assert (result.exit_code, result.stderr) == (2, "error: there is no account named nobody\n  hint: `priorauth users list` shows them\n")
    assert "Password" not in result.stdout  # refused before asking
    result = invoke("users", "passwd", "maria", "--db", db, input="new long passphrase\nnew long passphrase\n")
    assert result.exit_code == 0
    assert result.stdout == "Password: \nPassword again: \nchanged the password of account maria\n"
    assert invoke("users", "list", "--db", db).stdout.endswith("\tactive\n")
    result = invoke("users", "disable", "nobody", "--db", db)
    assert result.exit_code == 2 and result.stderr.startswith("error: there is no account named nobody\n")


def test_password_stdin_keeps_the_line_exactly(tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    result = invoke("users", "add", "maria", "--password-stdin", "--db", db, input="  spaced passphrase \r\nsecond line\n")
    assert (result.exit_code, result.stdout) == (0, "added account maria\n")
    store = open_store(db)
    assert accounts.check_password(store, "maria", "  spaced passphrase ") == "maria"
    assert accounts.check_password(store, "maria", "spaced passphrase") is None
    store.close()
