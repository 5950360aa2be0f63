"""Users, API tokens and logins for tests of `s3catalog serve`.

Users are created with the CLI (`user add`, password on stdin) and tokens
with `token create`, as an operator would. Passwords are random per call, so
a test can search logs and database files for them.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from .cli import run_cli

# urllib reads proxy settings from the environment; every request here goes
# straight to the server on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Account:
    """A user created for a test, with an API token of theirs."""

    name: str
    role: str
    password: str
    token: str

    @property
    def bearer(self) -> dict[str, str]:
        """The Authorization header of the token."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Session:
    """A logged-in browser session: the cookie value and its CSRF token."""

    cookie: str
    csrf_token: str
    set_cookie: str  # the whole Set-Cookie header of the login answer

    @property
    def headers(self) -> dict[str, str]:
        """Headers for a change made with the cookie (Cookie and X-CSRF-Token)."""
        return {"Cookie": f"s3catalog_session={self.cookie}", "X-CSRF-Token": self.csrf_token}


def new_password() -> str:
    """A random password that passes the length check."""
    return "pw-" + secrets.token_urlsafe(18)


def add_user(env: Mapping[str, str], name: str, role: str, password: str | None = None) -> str:
    """Run `s3catalog user add NAME --role ROLE` with the password on stdin; return the password."""
    password = password or new_password()
    run_cli(["user", "add", name, "--role", role], env, stdin=password + "\n", expect_status=0)
    return password


def create_token(env: Mapping[str, str], user: str, label: str = "tests") -> str:
    """Run `s3catalog token create` and return the token it prints once."""
    result = run_cli(["token", "create", "--user", user, "--name", label], env, expect_status=0)
    return result.stdout.strip()


def create_account(env: Mapping[str, str], name: str = "admin", role: str = "admin") -> Account:
    """Create a user and an API token for them."""
    password = add_user(env, name, role)
    return Account(name=name, role=role, password=password, token=create_token(env, name))


def log_in(base_url: str, user: str, password: str, context=None) -> Session:
    """POST /api/login and return the session; raise AssertionError when it fails."""
    request = urllib.request.Request(
        base_url + "/api/login",
        data=json.dumps({"user": user, "password": password}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    opener = _OPENER
    if context is not None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(request, timeout=30) as response:
            body = json.loads(response.read())
            set_cookie = response.headers["Set-Cookie"] or ""
    except urllib.error.HTTPError as error:
        raise AssertionError(f"login of {user} failed with HTTP {error.code}: {error.read()!r}") from None
    cookie = set_cookie.split(";", 1)[0].split("=", 1)[1]
    return Session(cookie=cookie, csrf_token=body["csrf_token"], set_cookie=set_cookie)
