"""The demo's lesson recordings: what each says and shows (the script ``manage.py make_lesson_media`` speaks and
draws), and the files it made, committed beside this module with their lengths in ``durations.json``.

Law is quoted word for word from the People's Mediation Law (2010), as in ``courses.demo_content``."""

import json
from dataclasses import dataclass
from pathlib import Path

from courses.demo_content import LAW_ART15, LAW_ART21, LAW_ART22, LAW_ART33

MEDIA_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Clip:
    name: str
    kind: str  # "video" or "audio"
    title: str  # the document's title in the library
    lesson: tuple[str, str]  # (module slug, lesson slug) the clip opens
    caption: str
    slides: tuple[tuple[str, str], ...]  # (slide title, what is shown and said)

    @property
    def filename(self) -> str:
        return f"{self.name}.{'webm' if self.kind == 'video' else 'mp3'}"

    @property
    def duration(self) -> int:
        return durations()[self.name]


CLIPS = (
    Clip("ethics-four-rules", "video", "微课视频：调解员“四不得”", ("ethics-discipline", "lesson-1"),
         "微课：人民调解法第十五条（约半分钟）", (
             ("调解员的纪律", "人民调解法第十五条，规定了调解员在调解工作中不得有的四种行为。"),
             ("第十五条", LAW_ART15),
             ("记住四不得", "不偏袒，不侮辱，不收受财物，不泄露隐私和商业秘密。"),
         )),
    Clip("judicial-confirmation", "video", "微课视频：司法确认的三十日期限", ("judicial-confirmation", "lesson-1"),
         "微课：人民调解法第三十三条", (
             ("司法确认", "调解协议达成以后，双方可以共同申请司法确认。"),
             ("第三十三条", LAW_ART33),
         )),
    Clip("mediator-method", "audio", "音频讲解：调解员怎样调解", ("mediation-techniques", "lesson-1"),
         "音频：人民调解法第二十一条、第二十二条", (
             ("第二十一条", LAW_ART21),
             ("第二十二条", LAW_ART22),
         )),
)


def durations() -> dict[str, int]:
    """Clip name → whole seconds it plays (written by make_lesson_media)."""
    return json.loads((MEDIA_DIR / "durations.json").read_text())
