"""The console's HTTP security, checked against the real server: token, cookie, origin, CSRF, headers, binding."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
from typing import Any

import orjson
import pytest

from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.sqlite import STATE_DB
from tests.conftest import REPO
from tests.web.conftest import Console, Site, environment, start_console, stop_console

GET_ROUTES = [
    "/",
    "/index.html",
    "/static/app.js",
    "/static/charts.js",
    "/static/app.css",
    "/api/session",
    "/api/panel?dashboard=overview&panel=events_total&range=24h",
    "/api/alerts/0123456789abcdef0123",
    "/no/such/route",
]
POST_ROUTES = ["/api/alerts/ack", "/api/alerts/assign", "/api/session", "/"]


def request(
    console: Console, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", console.port, timeout=60)
    payload = orjson.dumps(body) if body is not None else None
    sent = {"Host": f"127.0.0.1:{console.port}", **(headers or {})}
    if payload is not None:
        sent.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=payload, headers=sent)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def cookie(console: Console) -> str:
    status, headers, _ = request(console, "GET", f"/?token={console.token}")
    assert status == 303 and headers["location"] == "/"
    return headers["set-cookie"].split(";")[0]


def session(console: Console) -> dict[str, Any]:
    status, _, body = request(console, "GET", "/api/session", {"Authorization": f"Bearer {console.token}"})
    assert status == 200
    return orjson.loads(body)


def open_alert_id(site: Site) -> str:
    cases = SqliteCaseStore(site.data / STATE_DB)
    try:
        from secops.cases.models import AlertStatus
        from secops.store.base import AlertFilter

        return cases.alerts(AlertFilter(status=(AlertStatus.OPEN,)), limit=1, newest_first=False)[0].id
    finally:
        cases.close()


def audit_actions(site: Site, alert_id: str) -> list[tuple[str, str]]:
    cases = SqliteCaseStore(site.data / STATE_DB)
    try:
        entries = [e for e in cases.audit_entries() if e.target.endswith(alert_id)]
        return [(e.action, e.actor) for e in entries if e.action in ("alert.ack", "alert.assign")]
    finally:
        cases.close()


@pytest.mark.parametrize("credentials", ["none", "wrong-header", "wrong-cookie", "wrong-query"])
def test_no_token_is_401_on_every_route(console: Console, credentials: str) -> None:
    near_miss = console.token[:-1] + ("B" if console.token.endswith("A") else "A")
    headers = {
        "none": {},
        "wrong-header": {"Authorization": "Bearer " + "x" * len(console.token)},
        "wrong-cookie": {"Cookie": f"secops_dashboard_{console.port}={near_miss}"},
        "wrong-query": {},
    }[credentials]
    suffix = "?token=nope" if credentials == "wrong-query" else ""
    for path in GET_ROUTES:
        status, got, body = request(console, "GET", path + (suffix if "?" not in path else ""), headers)
        assert status == 401, (path, status)
        assert b"token" in body and "set-cookie" not in got
        assert "default-src 'self'" in got["content-security-policy"]
    for path in POST_ROUTES:
        status, _, _ = request(console, "POST", path, headers, {"ids": ["x"]})
        assert status == 401, path
    for method in ("PUT", "DELETE", "HEAD"):
        assert request(console, method, "/api/session", headers)[0] == 401


def test_token_url_sets_a_strict_httponly_cookie_and_leaves_the_address(console: Console) -> None:
    status, headers, _ = request(console, "GET", f"/?token={console.token}")
    assert status == 303 and headers["location"] == "/"
    parts = [p.strip() for p in headers["set-cookie"].split(";")]
    assert parts[0] == f"secops_dashboard_{console.port}={console.token}"
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= set(parts)
    status, headers, body = request(console, "GET", "/", {"Cookie": parts[0]})
    assert status == 200 and b'<script type="module" src="/static/app.js">' in body
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    assert request(console, "GET", "/static/app.js", {"Cookie": parts[0]})[1]["content-type"].startswith(
        "text/javascript"
    )


def test_a_foreign_host_header_is_refused(console: Console) -> None:
    """A page on another name resolving to 127.0.0.1 (DNS rebinding) gets nothing, even with the cookie."""
    status, _, _ = request(
        console, "GET", "/api/session", {"Host": f"evil.example:{console.port}", "Cookie": cookie(console)}
    )
    assert status == 421


def test_foreign_origin_cannot_change_state(console: Console, site: Site) -> None:
    alert_id = open_alert_id(site)
    jar = cookie(console)
    csrf = session(console)["csrf"]
    own = f"http://127.0.0.1:{console.port}"
    body = {"ids": [alert_id]}
    attempts = [
        {"Cookie": jar, "X-CSRF-Token": csrf, "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Cookie": jar, "X-CSRF-Token": csrf, "Origin": "http://evil.example"},
        {"Cookie": jar, "X-CSRF-Token": csrf, "Origin": "null"},
        {"Cookie": jar, "x-csrf-token": csrf, "origin": "http://evil.example"},  # header names have no case
        {"Cookie": jar, "X-CSRF-Token": csrf, "Sec-Fetch-Site": "same-site"},
        {"Cookie": jar, "X-CSRF-Token": csrf},  # a browser always says where it comes from
        {"Cookie": jar, "Origin": own},  # no CSRF token
        {"Cookie": jar, "Origin": own, "X-CSRF-Token": "0" * 64},
        {"Authorization": f"Bearer {console.token}", "Origin": "http://evil.example"},
    ]
    for headers in attempts:
        for path in ("/api/alerts/ack", "/api/alerts/assign"):
            status, _, answer = request(console, "POST", path, headers, {**body, "assignee": "mallory"})
            assert status == 403, (headers, path, answer)
    form = {"Cookie": jar, "X-CSRF-Token": csrf, "Origin": own, "Content-Type": "text/plain"}
    assert request(console, "POST", "/api/alerts/ack", form, body)[0] == 403
    assert request(console, "GET", "/api/alerts/ack", {"Cookie": jar})[0] in (400, 404)  # GET changes nothing
    assert audit_actions(site, alert_id) == []
    detail = orjson.loads(request(console, "GET", f"/api/alerts/{alert_id}", {"Cookie": jar})[2])
    assert detail["alert"]["status"] == "open" and detail["alert"]["assignee"] is None
    # The same request from our own page goes through, and is audited under the analyst's name.
    ok = {"Cookie": jar, "X-CSRF-Token": csrf, "Origin": own, "Sec-Fetch-Site": "same-origin"}
    status, _, answer = request(console, "POST", "/api/alerts/assign", ok, {**body, "assignee": "ana"})
    assert status == 200 and orjson.loads(answer) == {"changed": 1}
    assert audit_actions(site, alert_id) == [("alert.assign", "tester")]


def test_bad_requests_are_400_with_a_reason(console: Console) -> None:
    auth = {"Authorization": f"Bearer {console.token}"}
    status, _, body = request(console, "GET", "/api/panel?dashboard=overview&panel=nope", auth)
    assert status == 400 and b"no panel" in body
    status, _, body = request(console, "GET", "/api/panel?dashboard=overview&panel=events_total&range=5y", auth)
    assert status == 400
    status, _, body = request(console, "POST", "/api/alerts/ack", auth, {"ids": "all"})
    assert status == 400 and b"ids" in body
    status, _, body = request(console, "POST", "/api/alerts/ack", auth, {"ids": ["no-such-alert"]})
    assert status == 400 and b"no such alert" in body


def test_non_loopback_needs_allow_remote(site: Site) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "secops", "dashboard", "--host", "192.0.2.10", "--port", "0"],
        env=site.env, capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 2
    assert "not a loopback address" in result.stderr and "--allow-remote" in result.stderr


def test_token_from_the_environment_is_not_printed(site: Site, tmp_path_factory: pytest.TempPathFactory) -> None:
    fixed = "f" * 43
    env = {**site.env, "SECOPS_DASHBOARD_TOKEN": fixed}
    served = start_console(env)
    try:
        assert served.token == ""
        served.token = fixed
        assert session(served)["analyst"] == "tester"
        assert request(served, "GET", "/api/session", {"X-Secops-Token": "g" * 43})[0] == 401
    finally:
        stop_console(served)
    assert fixed not in (
        served.process.stderr.read() if served.process.stderr and not served.process.stderr.closed else ""
    )


def test_environment_helper_keeps_tests_apart(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("env")
    env = environment(home / "d", home)
    assert env["SECOPS_DATA_DIR"] == str(home / "d")
    assert "SECOPS_DASHBOARD_TOKEN" not in env


def exchange(console: Console, data: bytes, wait: float = 10.0) -> bytes:
    """Send raw bytes on one connection; everything the server answers until it closes (or goes quiet)."""
    with socket.create_connection(("127.0.0.1", console.port), timeout=wait) as conn:
        conn.sendall(data)
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
        except TimeoutError:
            answer += b"<silence>"
    return answer


def post_head(console: Console, extra: str) -> bytes:
    host = f"Host: 127.0.0.1:{console.port}\r\nContent-Type: application/json\r\n"
    return f"POST /api/alerts/ack HTTP/1.1\r\n{host}{extra}\r\n".encode()


def test_malformed_requests_get_an_answer_not_a_traceback(console: Console) -> None:
    """A broken request line or Content-Length is a 4xx at once; the handler does not fail or wait for more."""
    bearer = f"Authorization: Bearer {console.token}\r\n"
    for data in (
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1 extra\r\n\r\n",
        post_head(console, f"{bearer}Content-Length: abc\r\n"),
        post_head(console, f"{bearer}Content-Length: -1\r\n") + b'{"ids": ["x"]}',
        post_head(console, f"{bearer}Transfer-Encoding: chunked\r\n") + b'e\r\n{"ids": ["x"]}\r\n0\r\n\r\n',
    ):
        answer = exchange(console, data)
        assert answer and not answer.endswith(b"<silence>"), (data, answer[-200:])
        if answer.startswith(b"HTTP/"):  # a one-word request line is answered the HTTP/0.9 way, body only
            assert answer.split(b" ")[1] in (b"400", b"411") and answer.count(b"HTTP/1.") == 1, (data, answer)
        else:
            assert b"Error code: 400" in answer, answer


def test_a_refused_body_is_not_read_as_the_next_request(console: Console) -> None:
    """A POST refused before its body is read closes the connection: the body is never answered as a request."""
    smuggled = f"GET /api/session HTTP/1.1\r\nHost: 127.0.0.1:{console.port}\r\n\r\n".encode()
    for refused in ("", f"Authorization: Bearer {console.token}\r\nOrigin: http://evil.example\r\n"):
        data = post_head(console, f"{refused}Content-Length: {len(smuggled)}\r\n") + smuggled
        answer = exchange(console, data)
        assert answer.count(b"HTTP/1.1 ") == 1, answer
        assert answer.split(b" ")[1] in (b"401", b"403") and b"connection: close" in answer.lower()


@pytest.mark.parametrize("address", ["127.0.0.2", "0:0:0:0:0:0:0:1"])
def test_the_printed_address_of_any_loopback_host_is_served(site: Site, address: str) -> None:
    """Every loopback address is allowed without --allow-remote; the URL printed for it must then answer."""
    process = subprocess.Popen(
        [sys.executable, "-m", "secops", "dashboard", "--host", address, "--port", "0"],
        env=site.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"serving http://(\S+):(\d+)/\?token=(\S+)", line)
        assert found, line
        name, port, token = found.groups()
        conn = http.client.HTTPConnection(name.strip("[]"), int(port), timeout=60)
        conn.request("GET", "/api/session", headers={"Host": f"{name}:{port}", "Authorization": f"Bearer {token}"})
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        process.terminate()
        process.communicate(timeout=20)
