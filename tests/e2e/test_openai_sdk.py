"""The official OpenAI Python SDK as a real client of ModelRouter's /v1 (run by scripts/e2e-openai.sh).

The server has a simulated provider with `sim/chat` and `sim/embed`, and the demo provider (whose
`demo/always-down` always fails). Each test checks what an SDK user relies on: the parsed objects, the
stream, and the exception class each error maps to.
"""

import os

import openai
import pytest

BASE_URL = os.environ["MR_BASE_URL"]
KEY = os.environ["MR_KEY"]
LIMITED_KEY = os.environ["MR_LIMITED_KEY"]
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello"}]


def client(key=KEY):
    # No retries: each test sees the first answer, and a 429 or 5xx is not re-sent behind its back.
    return openai.OpenAI(base_url=BASE_URL, api_key=key, max_retries=0, timeout=30)


def test_chat_completion():
    completion = client().chat.completions.create(model="sim/chat", messages=MESSAGES, max_tokens=16)
    assert completion.id.startswith("chatcmpl-")
    assert completion.object == "chat.completion"
    assert completion.model == "sim/chat"
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content
    assert choice.finish_reason in ("stop", "length")
    assert completion.usage.completion_tokens > 0
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_raw_response_carries_the_router_headers():
    raw = client().chat.completions.with_raw_response.create(model="auto", messages=MESSAGES, max_tokens=4)
    assert raw.headers["x-modelrouter-model"]
    assert raw.headers["x-modelrouter-provider"]
    assert int(raw.headers["x-modelrouter-attempts"]) >= 1
    assert float(raw.headers["x-modelrouter-overhead-ms"]) >= 0
    assert raw.parse().choices[0].message.content


def test_streaming():
    stream = client().chat.completions.create(
        model="sim/chat", messages=MESSAGES, max_tokens=16, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert chunks, "no chunks"
    assert len({chunk.id for chunk in chunks}) == 1
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text
    finishes = [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices and chunk.choices[0].finish_reason]
    assert finishes in (["stop"], ["length"])
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_embeddings():
    result = client().embeddings.create(model="sim/embed", input=["first text", "second text"])
    assert [item.index for item in result.data] == [0, 1]
    assert all(len(item.embedding) > 0 and isinstance(item.embedding[0], float) for item in result.data)
    floats = client().embeddings.create(model="auto", input="one", encoding_format="float")
    assert len(floats.data) == 1 and len(floats.data[0].embedding) == len(result.data[0].embedding)


def test_models_list():
    ids = [model.id for model in client().models.list()]
    assert "sim/chat" in ids


def test_bad_key_is_an_authentication_error():
    with pytest.raises(openai.AuthenticationError) as raised:
        client("ar_not-a-real-key").chat.completions.create(model="sim/chat", messages=MESSAGES)
    assert raised.value.status_code == 401
    assert raised.value.code == "AUTH_INVALID"


def test_unknown_model_is_not_found():
    with pytest.raises(openai.NotFoundError) as raised:
        client().chat.completions.create(model="nobody/no-such-model", messages=MESSAGES)
    assert raised.value.code == "NOT_FOUND"


def test_bad_body_is_a_bad_request():
    with pytest.raises(openai.BadRequestError) as raised:
        client().chat.completions.create(model="sim/chat", messages=[])
    assert raised.value.code == "VALIDATION_ERROR"
    with pytest.raises(openai.BadRequestError):
        client().chat.completions.create(model="sim/chat", messages=MESSAGES, temperature=9)


def test_key_over_its_rpm_is_rate_limited():
    limited = client(LIMITED_KEY)
    limited.chat.completions.create(model="sim/chat", messages=MESSAGES, max_tokens=2)
    with pytest.raises(openai.RateLimitError) as raised:
        limited.chat.completions.create(model="sim/chat", messages=MESSAGES, max_tokens=2)
    assert raised.value.code == "RATE_LIMITED"
    assert int(raised.value.response.headers["retry-after"]) >= 1


def test_failing_upstream_is_an_internal_server_error():
    with pytest.raises(openai.InternalServerError) as raised:
        client().chat.completions.create(model="demo/always-down", messages=MESSAGES)
    assert raised.value.status_code in (502, 503, 504)
    assert raised.value.code in ("UPSTREAM_ERROR", "UPSTREAM_TIMEOUT", "NO_MODEL_AVAILABLE")
