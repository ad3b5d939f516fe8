"""Creates per second of the local server vs. a bare Starlette "hello" app on the same uvicorn settings.

    python benchmarks/bench_localserver.py [--requests 3000] [--threads 4]

Loopback only, bounded loops; prints requests/s for one keep-alive connection and for a few
threads (one connection each), and the local server's share of the bare framework's speed. The
streamed row sends the same create with ``stream: true`` and reads every event up to ``[DONE]``
(the answer is 7 words: 9 chunks and ``[DONE]``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.localserver import LocalServer  # noqa: E402

# The bare app: same socket setup and uvicorn.Config as `serve` (see localserver/cli.py).
HELLO_APP = textwrap.dedent(
    """
    import socket, uvicorn
    from starlette.responses import JSONResponse
    from starlette.routing import Route, Router

    async def hello(request):
        await request.body()
        return JSONResponse({"hello": "world"})

    app = Router(routes=[Route("/v1/chat/completions", hello, methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    print(f"http://127.0.0.1:{sock.getsockname()[1]}/v1", flush=True)
    config = uvicorn.Config(app, lifespan="off", access_log=False, log_level="warning", proxy_headers=False,
                            server_header=False, timeout_graceful_shutdown=1, timeout_keep_alive=30)
    uvicorn.Server(config).run(sockets=[sock])
    """
)

BODY = json.dumps(
    {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Say hello to the benchmark"},
        ],
        "temperature": 0.2,
        "max_tokens": 50,
    }
).encode()
STREAMED_BODY = json.dumps({**json.loads(BODY), "stream": True}).encode()
HEADERS = {"content-type": "application/json", "authorization": "Bearer sk-bench"}


def _run(port: int, count: int, body: bytes = BODY) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(count):
        conn.request("POST", "/v1/chat/completions", body, HEADERS)
        resp = conn.getresponse()
        answer = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"status {resp.status}")
        if body is STREAMED_BODY and not answer.endswith(b"data: [DONE]\n\n"):
            raise RuntimeError("the stream did not end with [DONE]")
    conn.close()


def measure(port: int, requests: int, threads: int, body: bytes = BODY) -> tuple[float, float]:
    _run(port, 200, body)  # warm up
    start = time.perf_counter()
    _run(port, requests, body)
    single = requests / (time.perf_counter() - start)
    per_thread = requests // threads
    workers = [threading.Thread(target=_run, args=(port, per_thread, body)) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    concurrent = per_thread * threads / (time.perf_counter() - start)
    return single, concurrent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    with LocalServer.start() as server:
        ours = measure(server.port, args.requests, args.threads)
        server.clear_requests()
        streamed = measure(server.port, args.requests, args.threads, STREAMED_BODY)
        server.clear_requests()

    hello = subprocess.Popen([sys.executable, "-c", HELLO_APP], stdout=subprocess.PIPE, text=True)
    try:
        assert hello.stdout is not None
        port = int(hello.stdout.readline().strip().removesuffix("/v1").rsplit(":", 1)[1])
        bare = measure(port, args.requests, args.threads)
    finally:
        hello.terminate()
        hello.wait(10)

    print(
        f"requests: {args.requests} per variant, concurrent: {args.threads} threads x 1 keep-alive connection"
    )
    print(f"{'':28}{'1 connection':>14}{'concurrent':>14}")
    print(f"{'local server creates/s':28}{ours[0]:>14.0f}{ours[1]:>14.0f}")
    print(f"{'  streamed creates/s':28}{streamed[0]:>14.0f}{streamed[1]:>14.0f}")
    print(f"{'bare Starlette hello/s':28}{bare[0]:>14.0f}{bare[1]:>14.0f}")
    print(f"{'ratio (local / bare)':28}{ours[0] / bare[0]:>14.2f}{ours[1] / bare[1]:>14.2f}")
    print(f"{'ratio (streamed / not)':28}{streamed[0] / ours[0]:>14.2f}{streamed[1] / ours[1]:>14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
