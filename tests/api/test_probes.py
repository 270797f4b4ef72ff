"""The probes (app/api/probes.py): what `/readyz` says while the proxy has no catalog."""

import time

from starlette.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.fake_upstream import FakeUpstream

DEADLINE_SECONDS = 10.0
RETRY_SECONDS = 2.0


def test_readyz_after_a_failed_refresh_says_why_and_when_the_next_try_is() -> None:
    settings = Settings(
        openrouter_base_url=FakeUpstream.base,
        proxy_log_level="WARNING",
        proxy_catalog_refresh_seconds=RETRY_SECONDS,  # the longest wait between two tries
    )
    upstream = FakeUpstream(downloads={})  # every catalog query is answered 404
    with TestClient(create_app(settings, upstream)) as client:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while (ready := client.get("/readyz")).json()["status"] == "loading catalog":
            assert time.monotonic() < deadline, "the first refresh did not end"
            time.sleep(0.01)
    assert ready.status_code == 503
    said = ready.json()
    assert said["status"] == "catalog unavailable"
    assert said["reason"] == (
        "every catalog query failed, the first with: "
        f"GET {FakeUpstream.base}/models?output_modalities=all answered 404"
    )
    assert 0 <= said["next_try_seconds"] <= RETRY_SECONDS
