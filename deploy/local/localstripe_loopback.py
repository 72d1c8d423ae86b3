"""Runs localstripe on the loopback interface only, keeping its data in memory.

Upstream binds every interface and pickles its whole store to /tmp after every write, which
makes each request slower as data grows. For a local stack both are wrong, so this launcher
serves the same application on 127.0.0.1 without the disk dump.
"""

import argparse
import logging
import socket

from aiohttp import web
from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8420)
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    web.run_app(server.app, sock=sock, access_log=None, print=None)


if __name__ == "__main__":
    main()
