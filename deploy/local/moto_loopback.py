"""Runs moto's server (every AWS service on one port; we use S3 and SNS) on loopback only.

moto does not check the expiry of presigned URLs (real S3 answers 403 "Request has expired"
once X-Amz-Date plus X-Amz-Expires has passed). Invoice links are short-lived on purpose, so
this launcher adds that one check in front of moto's application, and the local stack refuses
an expired link the way S3 does.
"""

import argparse
import datetime
import logging
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

EXPIRED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>"
)


def expired(query):
    """Whether a presigned request's query says it has expired."""
    params = parse_qs(query)
    try:
        signed = datetime.datetime.strptime(params["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
        ttl = int(params["X-Amz-Expires"][0])
    except (KeyError, ValueError, IndexError):
        return False
    signed = signed.replace(tzinfo=datetime.timezone.utc)
    return datetime.datetime.now(datetime.timezone.utc) > signed + datetime.timedelta(seconds=ttl)


def with_expiry(app):
    def checked(environ, start_response):
        if expired(environ.get("QUERY_STRING", "")):
            start_response("403 Forbidden", [("Content-Type", "application/xml")])
            return [EXPIRED]
        return app(environ, start_response)

    return checked


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", args.port, with_expiry(app), threaded=True)


if __name__ == "__main__":
    main()
