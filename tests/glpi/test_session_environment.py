"""The session reads proxies and the CA bundle from the environment once, never ~/.netrc."""

from __future__ import annotations

from app.glpi.client.session import GlpiSession


def test_proxy_and_ca_bundle_are_read_once_at_start(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))
    session = GlpiSession("https://glpi.example/apirest.php", user_token="u")
    assert session._http.trust_env is False
    assert session._http.proxies.get("https") == "http://proxy.example:3128"
    assert session._http.verify == str(tmp_path / "ca.pem")


def test_no_proxy_and_verify_off(monkeypatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "glpi.example")
    session = GlpiSession("https://glpi.example/apirest.php", user_token="u", verify_tls=False)
    assert session._http.proxies == {}
    assert session._http.verify is False


def test_netrc_never_replaces_the_user_token(glpi_sim, monkeypatch, tmp_path) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password wrong\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    session = GlpiSession(
        glpi_sim.url, app_token=glpi_sim.app_token, user_token=glpi_sim.user_token
    )
    try:
        assert session.request("GET", "/User/2")["name"] == "glpi"
    finally:
        session.close()
