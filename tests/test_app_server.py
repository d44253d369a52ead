"""What config/wsgi.py does to the app server's processes beyond serving Django."""

import subprocess
import sys

import pytest

from tests.test_security import ROOT, production_environment

SWITCH_INTERVAL = "import sys, config.wsgi; print(sys.getswitchinterval())"


@pytest.mark.parametrize("setting, expected", [(None, 0.001), ("5", 0.005), ("0.5", 0.0005)])
def test_the_app_server_hands_the_interpreter_lock_over_as_production_sets_it(setting, expected):
    """A thread back from the database waits at most this long for a busy thread to let go (production.py)."""
    env = production_environment()
    if setting is not None:
        env["INTERPRETER_SWITCH_INTERVAL_MS"] = setting
    result = subprocess.run([sys.executable, "-c", SWITCH_INTERVAL], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == pytest.approx(expected)


def test_other_settings_leave_the_interpreter_as_it_is():
    env = {"PATH": production_environment()["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    result = subprocess.run([sys.executable, "-c", SWITCH_INTERVAL], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == pytest.approx(0.005)
