"""The request the exchange sends upstream once planned, and how the exchange plans again."""

from dataclasses import dataclass
from typing import Protocol

from app.catalog.records import Model
from app.ops.metrics import Note
from app.policy.plan import Call
from app.translate import json_patch
from app.upstream.headers import Headers
from app.upstream.reshape import Reshaper


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One request as planned for upstream.

    The path under the API root, the body, the proxy's headers for the client's answer
    (`X-Modalities`...), how to reshape that answer (which also asks upstream for an
    uncompressed one, for the proxy to read), and whether its `modalities` asks a part of the
    model's outputs as the client did (`Action.SUBSET`)."""

    path: bytes
    content: bytes | json_patch.Pieces  # pieces: an edited body, sent without joining them
    headers: Headers
    reshaper: Reshaper | None = None
    subset: bool = False


class Replanner(Protocol):
    """Plan a call again, for the one retry or for the next model of a fallback list."""

    def outgoing(self, call: Call, model: Model | None, note: Note) -> Outgoing:
        """Return what to send upstream for `call` to `model` (None: not in the catalog), with
        all the model's outputs when `modalities` asks a part of them; raise ProxyError when
        the route's policy refuses the call. `note` gets the decision."""
        ...
