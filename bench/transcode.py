"""`python -m bench.transcode`: what encoding speech costs the proxy (the `transcode` extra).

Encodes `--seconds` of 24 kHz mono PCM (a tone), fed in 4 KiB pieces as OpenRouter streams it,
into each format the extra makes, `--rounds` times, and prints per format the CPU time per second
of sound (the median round) and the longest single piece (how long one piece holds the event
loop, where the proxy encodes).
"""

import math
import statistics
import time

import click

from app.translate.transcode import ENCODED, EncodedWriter

RATE = 24000
PIECE = 4096


def tone(seconds: float) -> bytes:
    samples = (
        round(8000 * math.sin(2 * math.pi * 440 * n / RATE)) for n in range(int(seconds * RATE))
    )
    return b"".join(sample.to_bytes(2, "little", signed=True) for sample in samples)


def encode(format_: str, pcm: bytes) -> tuple[float, float]:
    """CPU seconds for all of `pcm`, and for the longest piece."""
    writer = EncodedWriter(format_, RATE, 1)
    longest = 0.0
    started = time.process_time()
    for start in range(0, len(pcm), PIECE):
        before = time.process_time()
        writer.feed(pcm[start : start + PIECE])
        longest = max(longest, time.process_time() - before)
    writer.finish()
    return time.process_time() - started, longest


@click.command()
@click.option("--seconds", default=10.0, show_default=True, help="Length of the speech.")
@click.option("--rounds", default=5, show_default=True, help="Rounds per format (median).")
def main(seconds: float, rounds: int) -> None:
    pcm = tone(seconds)
    click.echo("format  ms CPU per s of sound  longest piece (ms)")
    for format_ in ENCODED:
        runs = [encode(format_, pcm) for _ in range(rounds)]
        per_second = statistics.median(total for total, _ in runs) / seconds * 1000
        longest = statistics.median(piece for _, piece in runs) * 1000
        click.echo(f"{format_:<6}  {per_second:21.1f}  {longest:18.2f}")


if __name__ == "__main__":
    main()
