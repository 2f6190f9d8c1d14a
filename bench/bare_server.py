"""The baseline for the ack benchmark: a bare aiohttp endpoint that reads the body and answers 202."""

import sys

from aiohttp import web


async def ack(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"ok": True}, status=202)


def main() -> None:
    app = web.Application(client_max_size=25 * 1024 * 1024)
    app.router.add_post("/api/github/webhooks", ack)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
