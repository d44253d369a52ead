"""Make the demo's lesson recordings again: slides drawn with Pillow and the Chinese font the PDFs use, spoken by
espeak-ng's Mandarin voice (cmn), put together by ffmpeg as small WebM video and MP3 audio in courses/demo_media/.

The files are committed, so ``bin/demo`` needs neither espeak-ng nor ffmpeg; run this only to change them
(``manage.py make_lesson_media``). Each clip stays well under 400 KB: 640×360 still slides, low bitrates."""

import json
import math
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from PIL import Image, ImageDraw, ImageFont

from courses.demo_media import CLIPS, MEDIA_DIR

SIZE = (640, 360)
BACKGROUND, BRAND, INK = (246, 248, 252), (22, 84, 160), (30, 30, 30)


def _lines(text: str, font, width: int, draw) -> list[str]:
    """Break Chinese text into lines that fit ``width`` pixels (character by character: no spaces to break at)."""
    lines, line = [], ""
    for char in text:
        if draw.textlength(line + char, font=font) > width:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line] if line else lines


def slide(title: str, text: str, path: Path) -> None:
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    font_path = settings.CERTIFICATE_FONT_PATH
    draw.rectangle([0, 0, SIZE[0], 64], fill=BRAND)
    draw.text((24, 14), title, font=ImageFont.truetype(font_path, 30), fill=(255, 255, 255))
    body = ImageFont.truetype(font_path, 22)
    y = 96
    for line in _lines(text, body, SIZE[0] - 48, draw):
        draw.text((24, y), line, font=body, fill=INK)
        y += 34
    image.save(path)


def _run(*command) -> None:
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603  (fixed programs, our own arguments)


class Command(BaseCommand):
    help = "Make the demo lesson videos and audio (needs espeak-ng and ffmpeg)."

    def handle(self, *args, **options):
        for program in ("espeak-ng", "ffmpeg"):
            if shutil.which(program) is None:
                raise CommandError(f"{program} is not installed (Debian package {program}).")
        lengths = {}
        with tempfile.TemporaryDirectory() as tmp:
            for clip in CLIPS:
                lengths[clip.name] = self._make(clip, Path(tmp))
        (MEDIA_DIR / "durations.json").write_text(json.dumps(lengths, indent=2) + "\n")

    def _make(self, clip, tmp: Path) -> int:
        parts = []
        for number, (title, text) in enumerate(clip.slides):
            wav, png, part = tmp / f"{number}.wav", tmp / f"{number}.png", tmp / f"{clip.name}-{number}"
            _run("espeak-ng", "-v", "cmn", "-s", "190", "-w", str(wav), text)
            if clip.kind == "video":
                slide(title, text, png)
                part = part.with_suffix(".webm")
                _run("ffmpeg", "-y", "-loglevel", "error", "-loop", "1", "-framerate", "1", "-i", str(png),
                     "-i", str(wav), "-shortest", "-c:v", "libvpx", "-b:v", "24k", "-g", "20",
                     "-c:a", "libopus", "-b:a", "24k", "-ac", "1", str(part))
            else:
                part = wav
            parts.append(part)
        listing = tmp / f"{clip.name}.txt"
        listing.write_text("".join(f"file '{p}'\n" for p in parts))
        target = MEDIA_DIR / clip.filename
        if clip.kind == "video":
            _run("ffmpeg", "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(listing),
                 "-c", "copy", str(target))
        else:
            _run("ffmpeg", "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(listing),
                 "-c:a", "libmp3lame", "-b:a", "32k", "-ac", "1", str(target))
        seconds = float(subprocess.run(  # noqa: S603
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(target)],  # noqa: S607
            check=True, capture_output=True, text=True).stdout)
        self.stdout.write(f"{target.name}: {target.stat().st_size // 1024} KB, {seconds:.1f} s")
        return math.floor(seconds)
