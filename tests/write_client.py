"""A keep-alive HTTP client for the write API of a real server, and the documents it sends."""

from __future__ import annotations

import http.client
import json

from tests.web_live import Reply

TOKEN = "proof-of-durability-5d1e"
# The server's settings for write tests: a token, and no rate limits (every test client is
# 127.0.0.1).
WRITE_ENV = {
    "VIETSEARCH_API_TOKEN": TOKEN,
    "VIETSEARCH_RATE_LIMIT": "off",
    "VIETSEARCH_WRITE_RATE_LIMIT": "off",
}
TIMEOUT_S = 30


class Client:
    """One keep-alive connection to 127.0.0.1:``port``; reconnects after a failure."""

    def __init__(self, port: int, token: str = TOKEN):
        self.port = port
        self.token = token
        self._connection: http.client.HTTPConnection | None = None

    def send(self, method: str, path: str, body=None, **headers) -> Reply:
        """One request (an iterable body goes chunked); network errors raise."""
        headers = {"Authorization": f"Bearer {self.token}", **headers}
        if self._connection is None:
            self._connection = http.client.HTTPConnection("127.0.0.1", self.port, TIMEOUT_S)
        try:
            chunked = body is not None and not isinstance(body, bytes)  # an iterable of pieces
            self._connection.request(method, path, body, headers, encode_chunked=chunked)
            response = self._connection.getresponse()
            return Reply(response.status, dict(response.headers), response.read())
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def post(self, records: list[dict]) -> Reply:
        """POST ``records`` as a JSON array (or one object, for one record)."""
        payload = records[0] if len(records) == 1 else records
        return self.send("POST", "/api/documents", json.dumps(payload).encode())

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Drop the connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def record(doc_id: str, version: int = 1, word: str = "") -> dict:
    """A short document; ``version`` goes into its body (``phiên bản N``)."""
    return {
        "id": doc_id,
        "title": f"Bản tin {doc_id} {word}".strip(),
        "body": f"Nội dung phiên bản {version} của bản tin {doc_id} về giao thông Hà Nội.",
    }
