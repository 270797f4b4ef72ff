"""The handlers in-process: the whole app (`create_app`) over a fake upstream, called through
Starlette's TestClient, with no server and no network."""

import aiohttp
from starlette.testclient import TestClient

from tests.api.conftest import FLUX
from tests.fake_upstream import FakeAnswer, FakeUpstream


def test_a_chat_request_is_planned_for_its_model_and_its_answer_relayed(
    client: TestClient, upstream: FakeUpstream
) -> None:
    upstream.answers.append(FakeAnswer(200, b'{"id":"gen-1"}'))
    body = {"model": FLUX, "modalities": ["image", "text"], "messages": []}
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200
    assert response.json() == {"id": "gen-1"}
    assert response.headers["x-modalities"] == "image"
    [sent] = upstream.sent
    assert (sent.path, sent.payload["modalities"]) == (b"chat/completions", ["image"])


def test_a_body_that_is_not_json_is_refused_without_calling_upstream(
    client: TestClient, upstream: FakeUpstream
) -> None:
    response = client.post("/v1/chat/completions", content=b"{nope")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    assert response.headers["x-modalities"] == "none"
    assert upstream.sent == []


def test_an_unreachable_upstream_is_a_502_in_openai_format(
    client: TestClient, upstream: FakeUpstream
) -> None:
    upstream.answers.append(aiohttp.ClientConnectionError())
    body = {"model": FLUX, "modalities": ["image", "text"], "messages": []}
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 502
    assert response.json()["error"]["type"] == "upstream_error"
    assert response.headers["x-modalities"] == "image"


def test_an_image_request_to_a_model_that_makes_none_is_refused(
    client: TestClient, upstream: FakeUpstream
) -> None:
    response = client.post("/v1/images/generations", json={"model": "openai/gpt-5", "prompt": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "model_not_image"
    assert upstream.sent == []


def test_an_unknown_model_is_a_404_from_the_catalog(client: TestClient) -> None:
    response = client.get("/v1/models/nobody/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"


def test_any_other_path_is_forwarded_under_the_api_root(
    client: TestClient, upstream: FakeUpstream
) -> None:
    upstream.answers.append(FakeAnswer(200, b'{"credits":1}'))
    response = client.get("/api/v1/credits?x=1")
    assert response.json() == {"credits": 1}
    [sent] = upstream.sent
    assert (sent.path, sent.incoming.query, sent.incoming.method) == (b"credits", b"x=1", "GET")
