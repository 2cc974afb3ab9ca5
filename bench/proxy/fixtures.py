"""Writes bench/proxy's nginx config with the fixed upstream answers embedded (nginx's `return` takes a
quoted string; real newlines inside it are kept, which SSE needs).

usage: fixtures.py WORKDIR NGINX_PORT PROXY_PORT

PROXY_PORT is a second nginx server that only proxies to the first (HTTP/1.1 keep-alive to upstream, no
buffering): the cost of one reverse-proxy hop done by nginx, the floor any proxy's added latency is judged
against.
"""

import json
import sys

work, port, proxy_port = sys.argv[1], sys.argv[2], sys.argv[3]
MODEL = "bench/fixed"
WORDS = ["Hello", "!", " How", " can", " I", " help", " you", " today", "?"]

completion = json.dumps({
    "id": "chatcmpl-fixed", "object": "chat.completion", "created": 1700000000, "model": MODEL,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(WORDS)},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 9, "completion_tokens": len(WORDS), "total_tokens": 9 + len(WORDS)},
}, separators=(",", ":"))


def chunk(delta, finish=None, usage=None, choices=True):
    body = {"id": "chatcmpl-fixed", "object": "chat.completion.chunk", "created": 1700000000, "model": MODEL}
    body["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}] if choices else []
    if usage:
        body["usage"] = usage
    return "data: " + json.dumps(body, separators=(",", ":")) + "\n\n"


stream = chunk({"role": "assistant", "content": ""})
stream += "".join(chunk({"content": word}) for word in WORDS)
stream += chunk({}, finish="stop")
stream += chunk({}, usage={"prompt_tokens": 9, "completion_tokens": len(WORDS), "total_tokens": 18}, choices=False)
stream += "data: [DONE]\n\n"


def quoted(text):
    assert "$" not in text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


config = f"""
worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/nginx/error.log error;
worker_rlimit_nofile 30000;
events {{ worker_connections 12000; }}
http {{
  access_log off;
  client_body_temp_path {work}/nginx; proxy_temp_path {work}/nginx; fastcgi_temp_path {work}/nginx;
  uwsgi_temp_path {work}/nginx; scgi_temp_path {work}/nginx;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  map $http_accept $fixture {{ default json; ~*event-stream sse; }}
  upstream fixtures {{ server 127.0.0.1:{port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{proxy_port} backlog=8192;
    location / {{
      proxy_pass http://fixtures; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off;
    }}
  }}
  server {{
    listen 127.0.0.1:{port} backlog=8192;
    location = /healthz {{ return 200 'ok'; }}
    # What an OpenAI-compatible API does: a stream when the client asks for one (ModelRouter's adapter sends
    # Accept: text/event-stream with stream: true), one JSON completion otherwise.
    location = /v1/chat/completions {{ rewrite ^ /fixture/$fixture last; }}
    location = /json/v1/chat/completions {{ rewrite ^ /fixture/json last; }}
    location = /sse/v1/chat/completions {{ rewrite ^ /fixture/sse last; }}
    location = /slow/v1/chat/completions {{ rewrite ^ /fixture/slow last; }}
    location = /fixture/json {{ internal; default_type application/json; return 200 {quoted(completion)}; }}
    location = /fixture/sse {{ internal; default_type text/event-stream; return 200 {quoted(stream)}; }}
    # The same stream dripped at ~{len(stream) // 4} bytes/s (about 4 s per answer): long-lived streams.
    location = /fixture/slow {{
      internal; default_type text/event-stream; limit_rate_after 400; limit_rate {len(stream) // 4};
      return 200 {quoted(stream)};
    }}
  }}
}}
"""
with open(f"{work}/nginx.conf", "w") as handle:
    handle.write(config)
