"""A staff member's browser, in plain HTTP: cookies, the CSRF token of each page, forms."""

from __future__ import annotations

import re

import httpx

TOKEN_RE = re.compile(r'name="_csrf_token" value="([^"]*)"')
PASSWORDS = {"admin": "girafe ciboulette nacelle 42", "charge": "violon marée pistache 17",
             "partenaire": "tambour lagune ocelot 93"}
ROLES = {"admin": "administrateur", "charge": "charge_mission", "partenaire": "partenaire"}


def add_staff(central, who: str = "admin") -> None:
    from conseiller_app.central import accounts

    accounts.add_user(central, who, ROLES[who], PASSWORDS[who])


class Browser:
    def __init__(self, url: str, verify=True) -> None:
        self.client = httpx.Client(base_url=url, follow_redirects=False, timeout=60, verify=verify)
        self.token = ""

    def get(self, path: str) -> httpx.Response:
        r = self.client.get(path)
        found = TOKEN_RE.search(r.text)
        if found:
            self.token = found.group(1)
        return r

    def post(self, path: str, data: dict | None = None, *, token: str | None = None, files=None) -> httpx.Response:
        data = dict(data or {})
        if token is None:
            token = self.token
        if token != "":
            data["_csrf_token"] = token
        return self.client.post(path, data=data, files=files)

    def login(self, who: str, password: str | None = None) -> httpx.Response:
        self.get("/connexion")
        return self.post("/connexion", {"login": who, "password": password or PASSWORDS[who]})

    def close(self) -> None:
        self.client.close()
