"""A video lesson on a phone: Chromium plays the demo's recording (made with espeak-ng and ffmpeg), the page
reports the parts played, and the server completes the lesson only when most of it was watched."""

import pytest

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser

LESSON = "/menu/judicial-confirmation/lesson-1/"  # 司法确认：条件、期限与管辖, opened by a one-minute video


def _play(page, *, seconds: float | None = None) -> None:
    """Play the lesson's video muted at 16× (Chromium's fastest): to its end, or for ``seconds`` of the video."""
    page.evaluate("""async (seconds) => {
        const video = document.querySelector("video[data-lesson-media]");
        video.muted = true;
        video.playbackRate = 16;
        await video.play();
        await new Promise((done) => {
            const check = () => (video.ended || (seconds !== null && video.currentTime >= seconds))
                ? done() : setTimeout(check, 50);
            check();
        });
        video.pause();
    }""", seconds)


def test_a_video_lesson_completes_only_after_most_of_it_was_watched(phone):
    login(phone, "mediator")
    phone.goto(LESSON)
    assert "司法确认" in phone.locator("h1").inner_text()
    video = phone.locator("video[data-lesson-media]")
    assert video.get_attribute("src").startswith("/learn/lessons/")
    assert "看完（听完）本课音视频的 80%" in phone.inner_text("[data-testid=lesson-rule]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "lesson-video-375")

    phone.click("[data-testid=complete]")  # nothing played yet
    assert "已播放 0%" in phone.inner_text(".messages")
    assert phone.locator("[data-testid=lesson-done]").count() == 0

    _play(phone, seconds=8)  # a glance at the start
    phone.click("[data-testid=complete]")
    message = phone.inner_text(".messages")
    assert "请先看完（听完）大部分音视频" in message and "需要 80%" in message
    assert phone.locator("[data-testid=lesson-done]").count() == 0

    _play(phone)  # the whole video, sped up
    phone.click("[data-testid=complete]")
    assert "本课时已完成" in phone.inner_text(".messages")
    phone.goto(LESSON)
    assert phone.locator("[data-testid=lesson-done]").is_visible()
    screenshot(phone, "lesson-video-done-375")
