import httpx
import pytest

from webapp.core.errors import ProviderTimeoutError, ProviderUnavailableError
from webapp.core.http import HttpSettings, LoggingRetryTransport, build_http_client, send


class ScriptedTransport(httpx.BaseTransport):
    """Answers with a scripted list of responses or exceptions, recording each call."""

    def __init__(self, script):
        self.script = list(script)
        self.calls = []

    def handle_request(self, request):
        self.calls.append(request)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, tuple):  # (status, headers)
            return httpx.Response(step[0], headers=step[1], request=request)
        return httpx.Response(step, request=request)


def _client(script, retries=2, sleeps=None):
    inner = ScriptedTransport(script)
    settings = HttpSettings("demo", "https://demo.test/", retries=retries, backoff=0)
    sleep = sleeps.append if sleeps is not None else (lambda s: None)
    transport = LoggingRetryTransport(inner, settings, sleep=sleep)
    client = httpx.Client(base_url=settings.base_url, transport=transport)
    return client, inner


def test_get_is_retried_on_503_then_succeeds():
    client, inner = _client([503, 503, 200])
    assert client.get("/x").status_code == 200
    assert len(inner.calls) == 3


def test_get_retried_after_the_wait_retry_after_asks_for():
    sleeps = []
    client, inner = _client([(429, {"Retry-After": "2"}), 200], sleeps=sleeps)
    assert client.get("/x").status_code == 200
    assert len(inner.calls) == 2 and sleeps == [2.0]


def test_retry_after_as_http_date_in_the_past_retries_at_once():
    sleeps = []
    client, _ = _client([(503, {"Retry-After": "Sun, 06 Nov 1994 08:49:37 GMT"}), 200], sleeps=sleeps)
    assert client.get("/x").status_code == 200
    assert sleeps == [0.0]


def test_invalid_retry_after_falls_back_to_backoff():
    sleeps = []
    client, _ = _client([(503, {"Retry-After": "soon"}), 200], sleeps=sleeps)
    assert client.get("/x").status_code == 200
    assert sleeps == [0]  # the backoff of these settings


def test_retry_after_longer_than_a_call_may_wait_returns_the_answer_at_once():
    sleeps = []
    client, inner = _client([(429, {"Retry-After": "60"}), 200], sleeps=sleeps)
    response = client.get("/x")
    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    assert len(inner.calls) == 1 and sleeps == []


def test_post_is_never_retried():
    client, inner = _client([503, 200])
    assert client.post("/x").status_code == 503
    assert len(inner.calls) == 1


def test_get_retried_after_connect_error():
    client, inner = _client([httpx.ConnectError("down"), 200])
    assert client.get("/x").status_code == 200
    assert len(inner.calls) == 2


def test_post_timeout_becomes_provider_timeout_error():
    client, _ = _client([httpx.ReadTimeout("slow")])
    with pytest.raises(ProviderTimeoutError):
        send(client, "demo", client.build_request("POST", "/x"))


def test_unreachable_becomes_provider_unavailable_error():
    client, _ = _client([httpx.ConnectError("down")] * 3)
    with pytest.raises(ProviderUnavailableError):
        send(client, "demo", client.build_request("GET", "/x"))


def test_log_line_has_method_path_status_but_no_query(caplog):
    client, _ = _client([200])
    caplog.set_level("INFO", logger="webapp.providers")
    client.get("/parkings", params={"register_number": "ABC-123", "token": "s3cret"})
    line = caplog.records[-1].getMessage()
    assert "method=GET" in line and "path=/parkings" in line and "status=200" in line
    assert "s3cret" not in line and "ABC-123" not in line


def test_built_client_has_explicit_timeouts():
    client = build_http_client(HttpSettings("demo", "https://demo.test/", connect_timeout=1.5, read_timeout=7))
    assert client.timeout.connect == 1.5 and client.timeout.read == 7
