#!/usr/bin/env python3
"""Writes a long 16-bit stereo WAV (sine + noise) for memory measurements of long recordings.

Usage: scripts/make_long_wav.py OUT.wav MINUTES [SAMPLE_RATE]

Pure standard library (wave, array, random) so it runs anywhere. Eleven distinct seconds of
audio (a 220 Hz tone whose level changes each second, plus uniform noise from a fixed seed)
are generated once and cycled, so the file is quick to write, is not silent, and has speech-
like level changes for the trim and beat tracker to work on.
"""
import array
import math
import random
import sys
import wave


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    out, minutes = sys.argv[1], float(sys.argv[2])
    rate = int(sys.argv[3]) if len(sys.argv) == 4 else 48_000
    rng = random.Random(42)
    seconds = []
    for s in range(11):
        level = 0.1 + 0.25 * (s % 4)
        block = array.array("h")
        for i in range(rate):
            t = (s * rate + i) / rate
            x = level * math.sin(2 * math.pi * 220.0 * t) + 0.05 * (rng.random() - 0.5)
            left = int(max(-1.0, min(1.0, x)) * 32767)
            right = int(max(-1.0, min(1.0, 0.8 * x)) * 32767)
            block.extend((left, right))
        if sys.byteorder == "big":
            block.byteswap()
        seconds.append(block.tobytes())
    total = int(round(minutes * 60))
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        for s in range(total):
            w.writeframes(seconds[s % len(seconds)])


if __name__ == "__main__":
    main()
