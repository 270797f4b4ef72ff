"""Speech made of OpenRouter's PCM as it streams: WAV always, other formats with an extra.

WAV is a header, then the PCM as it is; `opus`, `aac`, `flac` and `mp3` come with the optional
`transcode` extra (PyAV, whose wheels carry FFmpeg's codecs: a large download, so out of the
default install). Each writer (a `Rewriter`) takes the PCM piece by piece and gives back what it
can of the file at once, so the client hears the start before upstream has made the end.
"""

import importlib.util
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    import av

# OpenAI's formats that the proxy encodes: (container, encoder, Content-Type as OpenAI sends it).
ENCODED: Final = {
    "opus": ("ogg", "libopus", "audio/opus"),
    "aac": ("adts", "aac", "audio/aac"),
    "flac": ("flac", "flac", "audio/flac"),
    "mp3": ("mp3", "libmp3lame", "audio/mpeg"),
}
EXTRA: Final = "modality-proxy[transcode]"


class Rewriter(Protocol):
    """Rewrites an answer as it streams (see `app.upstream.reshape.Reshape`).

    The answer starts with its first bytes; either method may raise a ProxyError for an answer it
    cannot make: the error is the answer when nothing has gone yet, else the answer is cut.
    """

    def feed(self, piece: bytes) -> bytes:
        """Return what to send for the next `piece` of the answer (b"" for nothing yet)."""
        ...

    def finish(self) -> bytes:
        """Return what to send after the last piece."""
        ...


def can_encode() -> bool:
    """Return whether the `transcode` extra (PyAV) is installed."""
    return importlib.util.find_spec("av") is not None


class WavWriter:
    """A WAV file: `header` (see `app.translate.speech.wav_header`), then the PCM as it comes."""

    def __init__(self, header: bytes) -> None:
        self._header = header

    def feed(self, pcm: bytes) -> bytes:
        head, self._header = self._header, b""
        return head + pcm

    def finish(self) -> bytes:
        return self._header  # only when no PCM came at all


def encoded_rate(encoder: str, rate: int) -> int:
    """Return the sample rate at which `encoder` is given PCM of `rate` Hz.

    That is `rate` when the encoder takes it, else the next it takes above (libopus takes 8, 12, 16,
    24 and 48 kHz only), else its highest.
    """
    import av

    rates = av.Codec(encoder, "w").audio_rates
    if not rates or rate in rates:
        return rate
    return min((taken for taken in rates if taken >= rate), default=max(rates))


class EncodedWriter:
    """An `opus`, `aac`, `flac` or `mp3` file encoded from PCM of `rate` Hz and `channels`.

    `channels` is 1 or 2 (see `app.translate.speech.pcm_format`); the PCM is resampled to a rate the
    encoder takes.
    """

    def __init__(self, format_: str, rate: int, channels: int) -> None:
        import av  # the optional extra: imported when asked for
        from av.audio.fifo import AudioFifo

        container_format, encoder, _ = ENCODED[format_]
        self._out = _Collected()
        self._layout = "mono" if channels == 1 else "stereo"
        self._rate = rate
        encoded = encoded_rate(encoder, rate)
        # Ogg pages hold a second of sound by default: a tenth, so the first is heard sooner.
        options = {"page_duration": "100000"} if container_format == "ogg" else {}
        self._container = av.open(self._out, "w", format=container_format, options=options)
        stream = self._container.add_stream(encoder, rate=encoded, layout=self._layout)
        assert isinstance(stream, av.AudioStream)  # an audio encoder makes an audio stream
        self._stream = stream
        context = stream.codec_context
        self._resample = av.AudioResampler(format=context.format, layout=self._layout, rate=encoded)
        self._fifo = AudioFifo()
        self._frame_size = context.frame_size or 1024  # fixed by some encoders (opus, aac, mp3)
        self._frame_bytes = 2 * channels
        self._partial = b""  # a sample cut between two pieces

    def feed(self, pcm: bytes) -> bytes:
        data = self._partial + pcm
        whole = len(data) - len(data) % self._frame_bytes
        self._partial = data[whole:]
        if whole:
            self._resampled(self._frame(data[:whole]))
            self._encode(self._frame_size)
        return self._out.take()

    def finish(self) -> bytes:
        self._resampled(None)  # what a change of rate holds back
        self._encode(1)  # the last frame may be short
        self._mux(self._stream.encode(None))
        self._container.close()
        return self._out.take()

    def _frame(self, pcm: bytes) -> "av.AudioFrame":
        import av

        samples = len(pcm) // self._frame_bytes
        frame = av.AudioFrame(format="s16", layout=self._layout, samples=samples)
        frame.planes[0].update(pcm)
        frame.sample_rate = self._rate
        return frame

    def _resampled(self, frame: "av.AudioFrame | None") -> None:
        for resampled in self._resample.resample(frame):
            self._fifo.write(resampled)

    def _encode(self, at_least: int) -> None:
        while self._fifo.samples >= at_least:
            frame = self._fifo.read(min(self._frame_size, self._fifo.samples))
            if frame is None:
                return
            self._mux(self._stream.encode(frame))

    def _mux(self, packets: Iterable["av.Packet[av.AudioStream]"]) -> None:
        for packet in packets:
            self._container.mux(packet)


class _Collected:
    """Where the container writes: the bytes since the last `take`."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        taken, self._parts = b"".join(self._parts), []
        return taken
