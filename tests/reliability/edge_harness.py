"""The real webhook edge (``Service.start_web``, setup mode: deliveries are verified and stored, nothing
processes them) and a raw HTTP/1.1 client on asyncio streams, for requests aiohttp's client refuses to send
(malformed request lines, NUL and non-UTF-8 header bytes, duplicated or contradictory framing headers)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses

from bot.app import Service
from bot.edge.web import BUDGET_KEY
from bot.settings import Settings

SECRET = "edge-secret"
HOOK_PATH = "/api/github/webhooks"


@contextlib.asynccontextmanager
async def running_edge(tmp_path, **overrides):
    settings = Settings(webhook_secret=SECRET, database_url=f"sqlite:///{tmp_path / 'edge.db'}", host="127.0.0.1",
                        port=0)
    service = Service(dataclasses.replace(settings, **overrides))
    await service.open()
    try:
        await service.start_web()
        yield service
    finally:
        await service.close(grace=1)


def budget(service: Service):
    return service.runner.app[BUDGET_KEY]


async def total_jobs(service: Service) -> int:
    return sum((await service.store.counts()).values())


async def wait_for(condition, *, timeout: float, interval: float = 0.01, what: str = "condition"):
    """Poll ``condition`` (a function, maybe async) until it is true; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        await asyncio.sleep(interval)


def head(headers: list[tuple[bytes | str, bytes | str]], *, method: bytes = b"POST", path: bytes = HOOK_PATH.encode(),
         version: bytes = b"HTTP/1.1") -> bytes:
    """A request head from raw parts: names and values are sent byte for byte (str as UTF-8)."""
    def raw(v):
        return v.encode() if isinstance(v, str) else v

    lines = [method + b" " + path + b" " + version, b"Host: 127.0.0.1"]
    lines += [raw(k) + b": " + raw(v) for k, v in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


@dataclasses.dataclass
class Answer:
    status: int | None  # None: the server closed the connection without answering
    headers: dict[str, str]
    body: bytes


async def read_answer(reader: asyncio.StreamReader) -> Answer:
    try:
        while True:  # past interim answers (100 Continue) to the final one
            line = await reader.readline()
            if not line:
                return Answer(None, {}, b"")
            status = int(line.split()[1])
            headers: dict[str, str] = {}
            while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = h.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            if status >= 200:
                break
        body = b""
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        return Answer(status, headers, body)
    except (ConnectionError, asyncio.IncompleteReadError):
        return Answer(None, {}, b"")


async def raw_request(port: int, data: bytes, *, timeout: float = 10.0) -> Answer:
    """Send ``data`` on a fresh connection (as much as the server takes) and read one answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        return await asyncio.wait_for(read_answer(reader), timeout)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def closed_by_server(reader: asyncio.StreamReader, *, timeout: float) -> bool:
    """Whether the server closes this connection (EOF or reset) within ``timeout``, reading what it sends."""
    try:
        async with asyncio.timeout(timeout):
            while await reader.read(65536):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True
