"""A client of one scrapyd node's JSON API (https://scrapyd.readthedocs.io/en/stable/api.html).

Standard library only (urllib): the cluster commands run on an operator's machine that
needs neither Scrapy nor requests. HTTP basic authentication, as scrapyd 1.5+ offers it
(`username`/`password` in scrapyd.conf): the credentials travel in the Authorization header
only, never in a URL, an error message or a log line (`Node.__repr__` and every error name
the node by its URL, which may not carry a user or password: see nodes.py).
"""

from __future__ import annotations

import base64
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

TIMEOUT = 10.0  # s for an API call; a node that takes longer counts as unreachable


class NodeError(RuntimeError):
    """The node answered, but not with what was asked (an error status, a refusal)."""


class Unreachable(NodeError):
    """Nothing answered at the node's URL (refused, timed out, not HTTP)."""


class Unauthorized(NodeError):
    """The node wants credentials and refused ours (or we had none)."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)

    def header(self) -> str:
        token = base64.b64encode(f"{self.username}:{self.password}".encode("utf-8")).decode("ascii")
        return f"Basic {token}"

    def __repr__(self) -> str:  # never the password, whatever prints it
        return f"Credentials(username={self.username!r}, password=***)"


class Node:
    def __init__(self, url: str, credentials: Credentials | None = None, timeout: float = TIMEOUT):
        self.url = url if url.endswith("/") else url + "/"
        self.credentials = credentials
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"Node({self.url})"

    # --- transport ------------------------------------------------------------------------
    def _request(self, endpoint: str, *, query: dict | None = None, data: bytes | None = None,
                 content_type: str | None = None, auth: bool = True, raw: bool = False):
        url = self.url + endpoint + ("?" + urllib.parse.urlencode(query) if query else "")
        request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
        if content_type:
            request.add_header("Content-Type", content_type)
        if auth and self.credentials is not None:
            request.add_header("Authorization", self.credentials.header())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                raise Unauthorized(f"{self.url}: {endpoint} refused: HTTP 401 "
                                   + ("(wrong username or password)" if auth and self.credentials
                                      else "(the node wants credentials: see docs/scaling.md)")) from None
            raise NodeError(f"{self.url}: {endpoint}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Unreachable(f"{self.url}: unreachable ({reason})") from None
        if raw:
            return body
        try:
            answer = json.loads(body)
        except ValueError:
            raise NodeError(f"{self.url}: {endpoint}: not a JSON answer (is this a scrapyd?)") from None
        if not isinstance(answer, dict) or answer.get("status") != "ok":
            message = answer.get("message", answer) if isinstance(answer, dict) else answer
            raise NodeError(f"{self.url}: {endpoint}: {message}")
        return answer

    def get(self, endpoint: str, **query) -> dict:
        return self._request(endpoint, query=query or None)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict:
        return self._request(endpoint, data=urllib.parse.urlencode(fields).encode("utf-8"),
                             content_type="application/x-www-form-urlencoded")

    # --- the API --------------------------------------------------------------------------
    def answers_without_credentials(self) -> bool:
        """True when the node serves its API to anyone (no HTTP authentication configured):
        asked without the Authorization header, it answers instead of 401."""
        try:
            self._request("daemonstatus.json", auth=False)
        except Unauthorized:
            return False
        return True

    def status(self) -> dict:
        return self.get("daemonstatus.json")

    def add_version(self, project: str, version: str, egg: bytes) -> dict:
        boundary = "vnnews-" + secrets.token_hex(16)
        parts = []
        for name, value in (("project", project), ("version", version)):
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                         .encode("utf-8"))
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; filename="project.egg"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n".encode("utf-8") + egg + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode("utf-8"))
        return self._request("addversion.json", data=b"".join(parts),
                             content_type=f"multipart/form-data; boundary={boundary}")

    def list_spiders(self, project: str) -> list[str]:
        return self.get("listspiders.json", project=project)["spiders"]

    def list_projects(self) -> list[str]:
        return self.get("listprojects.json")["projects"]

    def list_jobs(self, project: str) -> dict:
        """{"pending": [...], "running": [...], "finished": [...]}, each job a dict with at
        least id and spider."""
        return self.get("listjobs.json", project=project)

    def schedule(self, project: str, spider: str, settings: dict, args: dict | None = None) -> str:
        fields = [("project", project), ("spider", spider)]
        fields += [("setting", f"{name}={value}") for name, value in settings.items()]
        fields += list((args or {}).items())
        return self.post("schedule.json", fields)["jobid"]

    def cancel(self, project: str, job: str, signal: str | None = None) -> dict:
        fields = [("project", project), ("job", job)] + ([("signal", signal)] if signal else [])
        return self.post("cancel.json", fields)

    def job_log(self, project: str, spider: str, job: str) -> str | None:
        """The job's log (scrapyd serves it under logs/), or None when the node has none."""
        path = "/".join(urllib.parse.quote(p) for p in ("logs", project, spider, f"{job}.log"))
        try:
            return self._request(path, raw=True).decode("utf-8", errors="replace")
        except NodeError as exc:
            if isinstance(exc, (Unreachable, Unauthorized)):
                raise
            return None
