"""Open the pooled aiohttp session that `app.upstream.client` sends every request on."""

import urllib.request

import aiohttp
from yarl import URL

from app.settings import Settings

# aiohttp adds these unless told not to; the proxy sends only what the client sent.
NO_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


def egress_proxy(base_url: str) -> str | None:
    """Return the HTTP proxy that the environment (`HTTPS_PROXY`, `NO_PROXY`, ...) sets for the
    upstream URL, or None; read once at start-up."""
    url = URL(base_url)
    if url.host is None or urllib.request.proxy_bypass(url.host):
        return None
    return urllib.request.getproxies().get(url.scheme)


def open_session(settings: Settings) -> aiohttp.ClientSession:
    """Return a new session with the connection pool and the timeouts of `settings`.

    Bodies go back byte-for-byte (never decompressed), no cookie is kept, and no header is
    added that the client did not send. It has no read timeout: the relay watches the gaps of
    an answer (`app.upstream.timeouts`)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=settings.proxy_max_connections),
        timeout=aiohttp.ClientTimeout(sock_connect=settings.proxy_connect_timeout_seconds),
        auto_decompress=False,  # bodies go back byte-for-byte, compressed or not
        # One session serves every client: a cookie upstream sets (Cloudflare's `__cf_bm`)
        # is relayed to its client, never kept and sent upstream for the next one.
        cookie_jar=aiohttp.DummyCookieJar(),
        skip_auto_headers=NO_AUTO_HEADERS,
        # trust_env would re-read the environment on every request: half the throughput.
        trust_env=False,
    )
