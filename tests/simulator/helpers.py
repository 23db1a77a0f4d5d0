"""Small HTTP helpers for talking to a running simulator in tests."""

from __future__ import annotations

import requests


class Glpi:
    """A logged-in API client over a running simulator."""

    def __init__(self, running, user_token: str | None = None) -> None:
        self.running = running
        self.url = running.url
        self.http = requests.Session()
        self.http.headers["App-Token"] = running.app_token
        answer = self.http.get(
            f"{self.url}/initSession",
            timeout=5,
            headers={"Authorization": f"user_token {user_token or running.user_token}"},
        )
        answer.raise_for_status()
        self.http.headers["Session-Token"] = answer.json()["session_token"]

    def get(self, path: str, **params):
        return self.http.get(f"{self.url}/{path}", params=params, timeout=5)

    def post(self, path: str, body):
        return self.http.post(f"{self.url}/{path}", json=body, timeout=5)

    def put(self, path: str, body):
        return self.http.put(f"{self.url}/{path}", json=body, timeout=5)

    def delete(self, path: str, body=None, **params):
        return self.http.delete(f"{self.url}/{path}", json=body, params=params, timeout=5)

    def search(self, itemtype: str, criteria: list[tuple], forcedisplay=(2,), **extra):
        params = {}
        for index, (field, searchtype, value, *link) in enumerate(criteria):
            params[f"criteria[{index}][field]"] = field
            params[f"criteria[{index}][searchtype]"] = searchtype
            params[f"criteria[{index}][value]"] = value
            if link:
                params[f"criteria[{index}][link]"] = link[0]
        for index, number in enumerate(forcedisplay):
            params[f"forcedisplay[{index}]"] = number
        params.update(extra)
        return self.get(f"search/{itemtype}", **params)
