"""Where the catalog comes from, as the catalog needs it: an API root and a download."""

from typing import Protocol

from yarl import URL


class Source(Protocol):
    """Upstream as the catalog sees it (`app.upstream.client.Upstream` is one)."""

    @property
    def base(self) -> str:
        """The upstream API root, such as `https://openrouter.ai/api/v1`."""
        ...

    async def download(self, url: URL) -> bytes:
        """Return the body of `GET url`; raise UpstreamFailure (`app.errors`) when there is none."""
        ...
