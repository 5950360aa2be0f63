"""Access control of `s3catalog serve`: roles per route, logins, CSRF, tokens,
the audit log, secrets at rest, key rotation and TLS.

Each test runs the real server process on 127.0.0.1 with a port chosen by
the OS; users and tokens are created with the CLI, as an operator would.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import select
import shutil
import sqlite3
import ssl
import stat
import subprocess
import unittest
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from harness import (
    CatalogTestCase,
    MotoServer,
    create_account,
    create_certificates,
    create_token,
    log_in,
    s3catalog_binary,
)
from test_server_api import OPENER, Reply, ServerProcess, ServerTestCase

S3_SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY"

# Every route of the server and the least role that may call it; "public"
# needs no login. A route the server registers without an entry here fails
# test_table_matches_server, so new routes get an access test.
ROUTE_TABLE: dict[tuple[str, str], str] = {
    ("POST", "/api/login"): "public",
    ("POST", "/api/logout"): "viewer",
    ("GET", "/api/session"): "viewer",
    ("GET", "/api/users"): "admin",
    ("POST", "/api/users"): "admin",
    ("PATCH", "/api/users/{user}"): "admin",
    ("DELETE", "/api/users/{user}"): "admin",
    ("GET", "/api/tokens"): "viewer",
    ("POST", "/api/tokens"): "viewer",
    ("DELETE", "/api/tokens/{id}"): "viewer",
    ("GET", "/api/audit"): "admin",
    ("GET", "/api/sources"): "viewer",
    ("POST", "/api/sources"): "admin",
    ("GET", "/api/sources/{name}"): "viewer",
    ("PATCH", "/api/sources/{name}"): "admin",
    ("DELETE", "/api/sources/{name}"): "admin",
    ("POST", "/api/filters/validate"): "admin",
    ("POST", "/api/sources/{name}/filters/validate"): "admin",
    ("POST", "/api/sources/{name}/filters/preview"): "admin",
    ("POST", "/api/test-connection"): "admin",
    ("POST", "/api/sources/{name}/test-connection"): "admin",
    ("POST", "/api/sources/{name}/jobs"): "admin",
    ("GET", "/api/sources/{name}/jobs"): "viewer",
    ("GET", "/api/jobs/{id}"): "viewer",
    ("POST", "/api/jobs/{id}/cancel"): "admin",
    ("GET", "/api/jobs/{id}/log"): "viewer",
    ("GET", "/api/jobs/{id}/events"): "viewer",
    ("GET", "/api/sources/{name}/buckets"): "viewer",
    ("GET", "/api/sources/{name}/folders"): "viewer",
    ("GET", "/api/sources/{name}/files"): "viewer",
    ("GET", "/api/sources/{name}/items"): "viewer",
    ("PUT", "/api/sources/{name}/annotations"): "steward",
    ("GET", "/api/sources/{name}/annotations"): "viewer",
    ("GET", "/api/search"): "viewer",
    ("GET", "/api/tags"): "viewer",
    ("GET", "/api/sources/{name}/export.csv"): "viewer",
    ("GET", "/api/sources/{name}/export.jsonl"): "viewer",
    ("GET", "/healthz"): "public",
    ("GET", "/metrics"): "viewer",
    ("GET", "/api/openapi.json"): "public",
    ("GET", "/{file_path}"): "public",
}

RANK = {"public": -1, "viewer": 0, "steward": 1, "admin": 2}

# Values for path parameters. The ids name nothing, so an allowed request
# gets 404 and changes nothing; "/{file_path}" gets the UI's index.
PARAMETERS = {"{name}": "prod", "{id}": "999999", "{user}": "nobody", "{file_path}": "index.html"}


# Bodies that keep an allowed request on loopback: an empty connection test
# would otherwise aim at AWS.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/test-connection"): {
        "endpoint_url": "http://127.0.0.1:9",
        "addressing": "path",
        "credentials": {"access_key_id": "AKIDROUTES", "secret_access_key": "route-table-secret"},
    },
}


def concrete(path: str) -> str:
    for template, value in PARAMETERS.items():
        path = path.replace(template, value)
    if path.endswith("/items") or path.endswith("/annotations"):
        path += "?path=/alpha/a.txt"
    return path


class AuthServerTestCase(ServerTestCase):
    """A server with one user per role, each with an API token (self.accounts[role])."""

    def setUp(self) -> None:
        super().setUp()
        self.accounts = {"admin": self.admin}
        for role in ("steward", "viewer"):
            self.accounts[role] = create_account(self.env, f"{role}-user", role)

    def secrets(self) -> list[str]:
        """Every secret the test handed out: passwords and tokens."""
        values = []
        for account in self.accounts.values():
            values += [account.password, account.token]
        return values

    def anonymous(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        """A request without any credentials."""
        return self.server.call(method, path, body, headers={"Cookie": "", **(headers or {})})


class RouteAccessTest(AuthServerTestCase):
    def test_table_matches_server(self) -> None:
        listed = self.cli("serve", "--list-routes", expect_status=0).stdout.splitlines()
        registered = {tuple(line.split(" ", 1)) for line in listed}

        self.assertEqual(registered - set(ROUTE_TABLE), set(), "routes without an entry in ROUTE_TABLE")
        self.assertEqual(set(ROUTE_TABLE) - registered, set(), "ROUTE_TABLE entries the server does not register")

    def test_table_matches_docs(self) -> None:
        # Each row of the role table in docs/api.md: `METHOD /path` cells, then
        # the least role as the first word of the last cell.
        api_md = Path(__file__).resolve().parents[2] / "docs" / "api.md"
        section = api_md.read_text(encoding="utf-8").split("### Role table", 1)[1].split("\n### ", 1)[0]
        documented: dict[tuple[str, str], str] = {}
        for line in section.splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) != 2 or not cells[0].startswith("`"):
                continue
            role = re.match(r"[a-z]+", cells[1]).group(0)
            for method, path in re.findall(r"`([A-Z]+) (/[^`]*)`", cells[0]):
                documented[(method, path)] = role
        self.assertEqual(documented, ROUTE_TABLE)

    def test_every_route_checks_its_role(self) -> None:
        self.create_source("prod", "http://127.0.0.1:9")
        # Changes go last, so that a delete allowed to the admin runs after the reads.
        order = sorted(ROUTE_TABLE.items(), key=lambda item: item[0][0] == "DELETE")
        for (method, template), least in order:
            path = concrete(template)
            body = BODIES.get((method, template), {} if method in ("POST", "PUT", "PATCH") else None)
            with self.subTest(route=f"{method} {template}", caller="nobody"):
                reply = self.anonymous(method, path, body)
                if least == "public":
                    self.assertNotIn(reply.status, (401, 403), reply.text)
                else:
                    self.assertEqual(reply.status, 401, reply.text)
                    self.assertIn("authentication required", reply.json["error"]["message"])
            for role in ("viewer", "steward", "admin"):
                with self.subTest(route=f"{method} {template}", caller=role):
                    reply = self.server.call(method, path, body, headers=self.accounts[role].bearer)
                    if RANK[role] >= RANK[least]:
                        self.assertNotIn(reply.status, (401, 403), reply.text)
                    else:
                        self.assertEqual(reply.status, 403, reply.text)
                        self.assertIn(f"needs the {least} role", reply.json["error"]["message"])

    def test_unknown_or_revoked_token_rejected(self) -> None:
        reply = self.server.call("GET", "/api/sources", headers={"Authorization": "Bearer s3c_not-a-token"})
        self.assertEqual(reply.status, 401)
        self.assertEqual(reply.headers.get("WWW-Authenticate"), "Bearer")
        basic = self.server.call("GET", "/api/sources", headers={"Authorization": "Basic YWRtaW46eA=="})
        self.assertEqual(basic.status, 401)


class SessionTest(AuthServerTestCase):
    def test_cookie_flags_and_logout(self) -> None:
        viewer = self.accounts["viewer"]
        session = log_in(self.server.url, viewer.name, viewer.password)

        flags = [part.strip() for part in session.set_cookie.split(";")]
        self.assertTrue(flags[0].startswith("s3catalog_session="))
        self.assertIn("HttpOnly", flags)
        self.assertIn("SameSite=Lax", flags)
        self.assertIn("Path=/", flags)
        self.assertNotIn("Secure", flags, "plain HTTP cannot carry a Secure cookie")
        current = self.server.call("GET", "/api/session", headers=session.headers)
        self.assertEqual(current.status, 200, current.text)
        self.assertEqual(current.json["user"], {**current.json["user"], "name": viewer.name, "role": "viewer"})
        self.assertEqual(current.json["csrf_token"], session.csrf_token)

        logout = self.server.call("POST", "/api/logout", headers=session.headers)

        self.assertEqual(logout.status, 204, logout.text)
        self.assertIn("Max-Age=0", logout.headers["Set-Cookie"])
        after = self.server.call("GET", "/api/session", headers=session.headers)
        self.assertEqual(after.status, 401, "the session still works after logout")

    def test_session_stored_hashed(self) -> None:
        admin = self.accounts["admin"]
        session = log_in(self.server.url, admin.name, admin.password)
        database = sqlite3.connect(self.db_path)
        stored = [row[0] for row in database.execute("SELECT token_hash FROM sessions")]
        database.close()
        self.assertEqual(len(stored), 1)
        self.assertNotIn(session.cookie, stored)
        self.assertRegex(stored[0], r"^[0-9a-f]{64}$")

    def test_wrong_password_rejected(self) -> None:
        with self.assertRaisesRegex(AssertionError, "HTTP 401"):
            log_in(self.server.url, "admin", "not the password")
        with self.assertRaisesRegex(AssertionError, "HTTP 401"):
            log_in(self.server.url, "no-such-user", "whatever password")

    def test_role_change_applies_to_open_session(self) -> None:
        steward = self.accounts["steward"]
        session = log_in(self.server.url, steward.name, steward.password)
        path = "/api/sources/prod/annotations?path=/alpha/a.txt"
        self.create_source("prod", "http://127.0.0.1:9")
        self.assertEqual(self.server.call("PUT", path, {"description": "x"}, headers=session.headers).status, 200)

        self.cli("user", "set-role", steward.name, "viewer", expect_status=0)

        self.assertEqual(self.server.call("PUT", path, {"description": "y"}, headers=session.headers).status, 403)


class CsrfTest(AuthServerTestCase):
    def test_cookie_change_needs_csrf_token(self) -> None:
        admin = self.accounts["admin"]
        session = log_in(self.server.url, admin.name, admin.password)
        cookie = {"Cookie": f"s3catalog_session={session.cookie}"}
        body = {"name": "web", "endpoint_url": "http://127.0.0.1:9"}

        missing = self.server.call("POST", "/api/sources", body, headers=cookie)
        wrong = self.server.call("POST", "/api/sources", body, headers={**cookie, "X-CSRF-Token": "0" * 64})
        read = self.server.call("GET", "/api/sources", headers=cookie)
        created = self.server.call("POST", "/api/sources", body, headers=session.headers)

        self.assertEqual(missing.status, 403, missing.text)
        self.assertIn("missing X-CSRF-Token", missing.json["error"]["message"])
        self.assertEqual(wrong.status, 403, wrong.text)
        self.assertIn("invalid X-CSRF-Token", wrong.json["error"]["message"])
        self.assertEqual(read.status, 200, "reads need no CSRF token")
        self.assertEqual(created.status, 201, created.text)
        self.assertEqual([source["name"] for source in self.server.call("GET", "/api/sources").json["sources"]],
                         ["web"], "the rejected requests created nothing")

    def test_token_of_other_session_rejected(self) -> None:
        admin = self.accounts["admin"]
        first = log_in(self.server.url, admin.name, admin.password)
        second = log_in(self.server.url, admin.name, admin.password)
        crossed = {"Cookie": f"s3catalog_session={first.cookie}", "X-CSRF-Token": second.csrf_token}

        reply = self.server.call("POST", "/api/logout", headers=crossed)

        self.assertEqual(reply.status, 403, reply.text)

    def test_bearer_needs_no_csrf_token(self) -> None:
        reply = self.server.call("POST", "/api/sources", {"name": "api", "endpoint_url": "http://127.0.0.1:9"})
        self.assertEqual(reply.status, 201, reply.text)


class SecurityHeadersTest(AuthServerTestCase):
    def test_headers_sent_once_everywhere(self) -> None:
        for path, headers in (("/", {}), ("/app.js", {}), ("/api/sources", None), ("/api/no-route", None),
                              ("/api/sources", {"Cookie": ""})):
            request = urllib.request.Request(self.server.url + path,
                                             headers=self.server.with_auth(headers if headers is not None else {}))
            try:
                with OPENER.open(request, timeout=30) as response:
                    received = response.headers
            except urllib.error.HTTPError as error:
                received = error.headers
            with self.subTest(path=path, headers=headers):
                policies = received.get_all("Content-Security-Policy") or []
                self.assertEqual(len(policies), 1, policies)
                self.assertIn("script-src 'self'", policies[0])
                self.assertNotIn("unsafe-inline", policies[0])
                self.assertIn("frame-ancestors 'none'", policies[0])
                self.assertEqual(received.get_all("X-Content-Type-Options"), ["nosniff"])
                self.assertEqual(received.get_all("X-Frame-Options"), ["DENY"])
                self.assertEqual(received.get_all("Referrer-Policy"), ["no-referrer"])


class TokenTest(AuthServerTestCase):
    def test_token_shown_once_and_stored_hashed(self) -> None:
        created = self.server.call("POST", "/api/tokens", {"name": "nightly"}, headers=self.accounts["steward"].bearer)
        self.assertEqual(created.status, 201, created.text)
        token = created.json["token"]
        self.assertTrue(token.startswith("s3c_"))

        listed = self.server.call("GET", "/api/tokens", headers=self.accounts["steward"].bearer)
        self.assertEqual([item["name"] for item in listed.json["tokens"]], ["tests", "nightly"])
        self.assertNotIn(token, listed.text)
        self.assertNotIn("token", listed.json["tokens"][1])
        cli_list = self.cli("token", "list", "--json", expect_status=0).stdout
        self.assertNotIn(token, cli_list)
        database = sqlite3.connect(self.db_path)
        hashes = [row[0] for row in database.execute("SELECT token_hash FROM api_tokens")]
        database.close()
        self.assertNotIn(token, hashes)
        self.assertEqual(len(hashes), 4)
        self.assertTrue(all(re.fullmatch(r"[0-9a-f]{64}", value) for value in hashes))

    def test_revoke_takes_effect_at_once(self) -> None:
        steward = self.accounts["steward"]
        created = self.server.call("POST", "/api/tokens", {"name": "short-lived"}, headers=steward.bearer).json
        bearer = {"Authorization": f"Bearer {created['token']}"}
        self.assertEqual(self.server.call("GET", "/api/sources", headers=bearer).status, 200)

        other = self.server.call("DELETE", f"/api/tokens/{created['id']}", headers=self.accounts["viewer"].bearer)
        revoked = self.server.call("DELETE", f"/api/tokens/{created['id']}", headers=steward.bearer)

        self.assertEqual(other.status, 404, "another user's token is not theirs to revoke")
        self.assertEqual(revoked.status, 204, revoked.text)
        self.assertEqual(self.server.call("GET", "/api/sources", headers=bearer).status, 401)

    def test_cli_revoke_takes_effect_at_once(self) -> None:
        token = create_token(self.env, "viewer-user", "cli-made")
        bearer = {"Authorization": f"Bearer {token}"}
        self.assertEqual(self.server.call("GET", "/api/session", headers=bearer).json["user"]["name"], "viewer-user")
        listed = [json.loads(line) for line in self.cli("token", "list", "--user", "viewer-user", "--json",
                                                        expect_status=0).stdout.splitlines()]
        token_id = next(item["id"] for item in listed if item["name"] == "cli-made")

        self.cli("token", "revoke", str(token_id), expect_status=0)

        self.assertEqual(self.server.call("GET", "/api/session", headers=bearer).status, 401)
        entries = self.server.call("GET", "/api/audit?limit=100").json["entries"]
        revoked = [entry for entry in entries if entry["action"] == "token.revoke" and entry["target"] == str(token_id)]
        self.assertEqual([entry["detail"] for entry in revoked], [{"user": "viewer-user", "name": "cli-made"}])

    def test_only_admin_creates_tokens_for_others(self) -> None:
        denied = self.server.call("POST", "/api/tokens", {"name": "x", "user": "admin"},
                                  headers=self.accounts["viewer"].bearer)
        allowed = self.server.call("POST", "/api/tokens", {"name": "for viewer", "user": "viewer-user"})
        self.assertEqual(denied.status, 403, denied.text)
        self.assertEqual(allowed.status, 201, allowed.text)
        self.assertEqual(allowed.json["user"], "viewer-user")


class LoginLimitTest(AuthServerTestCase):
    def test_failed_logins_lock_the_pair(self) -> None:
        viewer = self.accounts["viewer"]
        for attempt in range(5):
            with self.subTest(attempt=attempt):
                with self.assertRaisesRegex(AssertionError, "HTTP 401"):
                    log_in(self.server.url, viewer.name, f"wrong password {attempt}")

        with self.assertRaisesRegex(AssertionError, r"HTTP 429: .*try again in 15 minutes"):
            log_in(self.server.url, viewer.name, viewer.password)
        other = self.accounts["steward"]
        self.assertTrue(log_in(self.server.url, other.name, other.password).cookie, "another user is not locked")

        log = self.server.log()
        self.assertIn(f'login rejected for user "{viewer.name}" from 127.0.0.1: wrong password', log)
        self.assertRegex(log, rf'login rejected for user "{viewer.name}" from 127\.0\.0\.1: locked after too many '
                              r'failed logins, for \d+ s more')
        self.assertNotIn("wrong password 0", log)
        self.assertNotIn(viewer.password, log)

        entries = self.server.call("GET", "/api/audit?limit=100").json["entries"]
        reasons = [entry["detail"]["reason"] for entry in entries
                   if entry["action"] == "login.failure" and entry["target"] == viewer.name]
        self.assertEqual(sorted(reasons), ["locked"] + ["wrong user name or password"] * 5)

    def test_unknown_user_logged(self) -> None:
        with self.assertRaisesRegex(AssertionError, "HTTP 401"):
            log_in(self.server.url, "mallory", "guessed password")
        self.assertIn('login rejected for user "mallory" from 127.0.0.1: no such user', self.server.log())


class AuditTest(AuthServerTestCase):
    def test_changes_recorded_with_actor(self) -> None:
        admin = self.accounts["admin"]
        session = log_in(self.server.url, admin.name, admin.password)
        self.server.call("POST", "/api/sources", {"name": "prod", "endpoint_url": "http://127.0.0.1:9",
                                                  "credentials": {"access_key_id": "AKIDAUDIT", "secret_access_key": S3_SECRET}},
                         headers=session.headers)
        self.server.call("PATCH", "/api/sources/prod", {"path_prefixes": ["/logs"]})
        self.server.call("POST", "/api/users", {"name": "newcomer", "role": "viewer", "password": "long enough pw"})
        self.server.call("POST", "/api/logout", headers=session.headers)
        self.cli("source", "remove", "prod", expect_status=0)

        page = self.server.call("GET", "/api/audit?limit=100")

        self.assertEqual(page.status, 200, page.text)
        entries = page.json["entries"]
        self.assertEqual(page.json["total"], len(entries))
        actions = [(entry["actor"], entry["action"], entry["target"]) for entry in reversed(entries)]
        self.assertIn(("cli:" + os_user(), "user.create", "admin"), actions)
        self.assertIn(("cli:" + os_user(), "token.create", "1"), actions)
        self.assertIn(("admin", "login.success", "admin"), actions)
        self.assertIn(("admin", "source.create", "prod"), actions)
        self.assertIn(("admin", "source.update", "prod"), actions)
        self.assertIn(("admin", "user.create", "newcomer"), actions)
        self.assertIn(("admin", "logout", "admin"), actions)
        self.assertIn(("cli:" + os_user(), "source.remove", "prod"), actions)
        created = next(entry for entry in entries if entry["action"] == "source.create")
        self.assertIn("credentials.secret_access_key", created["detail"]["fields"])
        self.assertNotIn(S3_SECRET, page.text)
        self.assertNotIn("long enough pw", page.text)
        for entry in entries:
            self.assertRegex(entry["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

        second = self.server.call("GET", "/api/audit?limit=2&offset=2").json
        self.assertEqual([entry["id"] for entry in second["entries"]], [entry["id"] for entry in entries[2:4]])
        self.assertEqual(self.server.call("GET", "/api/audit", headers=self.accounts["steward"].bearer).status, 403)


def os_user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


class UserCommandTest(AuthServerTestCase):
    def test_user_commands(self) -> None:
        short = self.cli("user", "add", "shorty", "--role", "viewer", stdin="short\n", expect_status=2)
        self.assertIn("too short: use at least 12 characters", short.stderr)
        bad_role = self.cli("user", "add", "x", "--role", "root", stdin="long enough password\n", expect_status=2)
        self.assertIn('invalid role "root"', bad_role.stderr)
        duplicate = self.cli("user", "add", "admin", "--role", "viewer", stdin="long enough password\n",
                             expect_status=2)
        self.assertIn("already exists", duplicate.stderr)
        no_password = self.cli("user", "add", "nopw", "--role", "viewer", stdin="", expect_status=2)
        self.assertIn("standard input", no_password.stderr)

        self.cli("user", "set-role", "viewer-user", "steward", expect_status=0)
        users = [json.loads(line) for line in self.cli("user", "list", "--json", expect_status=0).stdout.splitlines()]
        self.assertEqual([(user["name"], user["role"]) for user in users],
                         [("admin", "admin"), ("steward-user", "steward"), ("viewer-user", "steward")])
        last_admin = self.cli("user", "remove", "admin", expect_status=1)
        self.assertIn("last admin", last_admin.stderr)
        demote = self.cli("user", "set-role", "admin", "viewer", expect_status=1)
        self.assertIn("last admin", demote.stderr)

        self.cli("user", "remove", "viewer-user", expect_status=0)
        self.assertEqual(self.server.call("GET", "/api/session", headers=self.accounts["viewer"].bearer).status, 401,
                         "a removed user's token still works")
        self.cli("user", "remove", "viewer-user", expect_status=1)

    def test_api_keeps_an_admin(self) -> None:
        self.assertEqual(self.server.call("DELETE", "/api/users/admin").status, 409)
        self.assertEqual(self.server.call("PATCH", "/api/users/admin", {"role": "viewer"}).status, 409)
        short = self.server.call("POST", "/api/users", {"name": "n", "role": "viewer", "password": "short"})
        self.assertEqual(short.status, 400)
        self.assertEqual(short.json["error"]["field"], "password")


class ServeWithoutUsersTest(CatalogTestCase):
    def test_serve_refuses_and_names_the_command(self) -> None:
        self.cli("source", "list", expect_status=0)  # creates the catalog, with no users
        result = self.cli("serve", "--listen", "127.0.0.1:0", timeout=30)

        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("no users", result.stderr)
        self.assertIn("s3catalog user add admin --role admin", result.stderr)
        self.assertEqual(result.stdout, "", "the server must not start listening")

    def test_serve_without_a_catalog_creates_nothing(self) -> None:
        result = self.cli("serve", "--listen", "127.0.0.1:0", timeout=30)

        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("there is no catalog at ", result.stderr)
        self.assertIn(f"{self.db_path} yet", result.stderr)
        self.assertIn("s3catalog user add admin --role admin", result.stderr)
        self.assertEqual(result.stdout, "", "the server must not start listening")
        self.assertEqual(sorted(path.name for path in self.root.rglob("*") if path.is_file()), [],
                         "serve left files behind")


class SecretsAtRestTest(AuthServerTestCase):
    def test_database_and_log_hold_no_secret(self) -> None:
        admin = self.accounts["admin"]
        session = log_in(self.server.url, admin.name, admin.password)
        created = self.server.call("POST", "/api/sources", {
            "name": "prod", "endpoint_url": "http://127.0.0.1:9",
            "credentials": {"access_key_id": "AKIDATREST", "secret_access_key": S3_SECRET,
                            "session_token": "session-token-at-rest"}}, headers=session.headers)
        self.assertEqual(created.status, 201, created.text)
        api_token = self.server.call("POST", "/api/tokens", {"name": "rest"}).json["token"]
        self.server.call("GET", "/api/sources", headers={"Authorization": f"Bearer {api_token}"})
        with self.assertRaisesRegex(AssertionError, "HTTP 401"):
            log_in(self.server.url, admin.name, "a wrong password here")
        secrets = [S3_SECRET, "session-token-at-rest", session.cookie, api_token, *self.secrets()]

        copy = self.root / "copy.db"
        shutil.copyfile(self.db_path, copy)
        files = [copy] + [Path(f"{self.db_path}{suffix}") for suffix in ("-wal", "-shm")]
        self.server.stop()
        for file in files:
            if not file.exists():
                continue
            raw = file.read_bytes()
            for secret in secrets:
                with self.subTest(file=file.name, secret=secret[:6]):
                    self.assertNotIn(secret.encode(), raw)
        log = self.server.log()
        self.assertIn("logged in", log, "the log is the server's")
        for secret in secrets + ["a wrong password here"]:
            with self.subTest(log=True, secret=secret[:6]):
                self.assertNotIn(secret, log)

    def test_key_file_private(self) -> None:
        self.create_source("prod", "http://127.0.0.1:9")
        key_file = self.root / "config" / "s3catalog" / "secret.key"
        self.assertEqual(stat.S_IMODE(key_file.stat().st_mode), 0o600)


class KeyRotationTest(CatalogTestCase):
    """`secrets rotate-key` and S3CATALOG_SECRET_KEY against moto."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.moto = MotoServer().start()
        cls.moto.make_bucket("alpha", {"a.txt": b"a", "b/c.txt": b"bc"})

    @classmethod
    def tearDownClass(cls) -> None:
        cls.moto.stop()
        super().tearDownClass()

    def setUp(self) -> None:
        super().setUp()
        # moto accepts any keys until IAM checks are enabled.
        self.key_id, self.secret = "AKIAROTATEEXAMPLE", "rotate-secret-wJalrXUtnFEMI-K7MDENG"

    def add_source(self, env: dict[str, str] | None = None) -> None:
        self.cli("source", "add", "moto", "--type", "s3", "--endpoint-url", self.moto.endpoint, "--path-style",
                 "--access-key-id", self.key_id, "--secret-access-key-stdin", stdin=self.secret + "\n",
                 env=env or self.env, expect_status=0)

    def test_rotation_reencrypts_and_old_key_fails(self) -> None:
        self.add_source()
        key_file = self.root / "config" / "s3catalog" / "secret.key"
        old_copy = self.root / "old.key"
        shutil.copyfile(key_file, old_copy)
        old_copy.chmod(0o600)

        rotated = self.cli("secrets", "rotate-key", expect_status=0)

        self.assertIn("re-encrypted 1 stored secret value(s)", rotated.stderr)
        self.assertNotEqual(key_file.read_bytes(), old_copy.read_bytes())
        self.assertEqual(stat.S_IMODE(key_file.stat().st_mode), 0o600)
        self.assertFalse(Path(f"{key_file}.old").exists())
        self.assertFalse(Path(f"{key_file}.new").exists())
        self.assertNotIn(self.secret.encode(), (self.root / "catalog.db").read_bytes())
        result = json.loads(self.cli("extract", "moto", "--json", expect_status=0).stdout)
        self.assertEqual(result["files_synced"], 2)
        with_old = self.cli("extract", "moto", env={**self.env, "S3CATALOG_SECRET_KEY_FILE": str(old_copy)})
        self.assertNotEqual(with_old.returncode, 0)
        self.assertIn("holds a different key", with_old.stderr)
        audit = sqlite3.connect(self.root / "catalog.db")
        actions = [row[0] for row in audit.execute("SELECT action FROM audit_log")]
        audit.close()
        self.assertIn("secrets.rotate_key", actions)

    def test_key_from_environment(self) -> None:
        env = {**self.env, "S3CATALOG_SECRET_KEY": "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="}
        self.add_source(env)

        result = json.loads(self.cli("extract", "moto", "--json", env=env, expect_status=0).stdout)

        self.assertEqual(result["files_synced"], 2)
        self.assertFalse((self.root / "config" / "s3catalog" / "secret.key").exists())
        without = self.cli("extract", "moto")
        self.assertNotEqual(without.returncode, 0)
        refused = self.cli("secrets", "rotate-key", env=env, expect_status=2)
        self.assertIn("S3CATALOG_SECRET_KEY", refused.stderr)


class TlsTest(AuthServerTestCase):
    def test_https_and_secure_cookie(self) -> None:
        certificates = create_certificates(self.root / "tls", dns_names=("localhost",), ip_addresses=("127.0.0.1",))
        log = open(self.root / "tls-server.log", "ab")
        process = subprocess.Popen(
            [s3catalog_binary(), "serve", "--listen", "127.0.0.1:0", "--tls-cert", str(certificates.cert_file),
             "--tls-key", str(certificates.key_file)],
            stdout=subprocess.PIPE, stderr=log, env=self.env, cwd=self.env["HOME"])
        log.close()
        self.addCleanup(stop_process, process)
        ready, _, _ = select.select([process.stdout], [], [], 30)
        line = process.stdout.readline().decode() if ready else ""
        self.assertTrue(line.startswith("listening on https://127.0.0.1:"), line)
        url = line.split()[-1]
        context = ssl.create_default_context(cafile=str(certificates.ca_file))

        admin = self.accounts["admin"]
        session = log_in(url, admin.name, admin.password, context=context)

        self.assertIn("Secure", [part.strip() for part in session.set_cookie.split(";")])
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
        request = urllib.request.Request(url + "/api/session", headers=session.headers)
        with opener.open(request, timeout=30) as response:
            self.assertEqual(json.loads(response.read())["user"]["name"], "admin")
        plain = urllib.request.Request(url.replace("https://", "http://") + "/healthz")
        with self.assertRaises((urllib.error.URLError, OSError, http.client.HTTPException)):
            OPENER.open(plain, timeout=10).read()

    def test_half_tls_options_rejected(self) -> None:
        result = self.cli("serve", "--listen", "127.0.0.1:0", "--tls-cert", "cert.pem", expect_status=2)
        self.assertIn("--tls-cert and --tls-key go together", result.stderr)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    if process.stdout is not None:
        process.stdout.close()


if __name__ == "__main__":
    unittest.main()
