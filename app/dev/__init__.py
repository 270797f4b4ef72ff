"""The demo, the loopback server and the emulator: beside the proxy, not part of it.

What they need beyond the proxy is the `[demo]` extra; a plain install leaves it out, and what
needs it then says how to add it (`DemoExtraMissing`).
"""

INSTALL_HINT = "pip install 'modality-proxy[demo]'"


class DemoExtraMissing(RuntimeError):
    """A package of the `[demo]` extra is not installed; the message names it and says how to
    install the extra."""

    def __init__(self, package: str) -> None:
        super().__init__(
            f"the demo and the emulator need {package}, which a plain install of "
            f"modality-proxy leaves out; install it with: {INSTALL_HINT}"
        )
