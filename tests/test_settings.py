"""Settings (jianghua/settings.py) are validated strictly: booleans are true or false, numbers in their ranges, the
API key long enough and never printed."""
import pytest

from jianghua.errors import InputError
from jianghua.settings import Settings


@pytest.mark.parametrize("name, raw", [
    ("API_KEY_ALL", "ture"), ("API_KEY_ALL", "enabled"), ("API_KEY_ALL", "2"),
    ("RRF_K", "-1"), ("RRF_K", "0"), ("RRF_K", "1e3"), ("MAX_UPLOAD_MB", "-5"), ("MAX_UPLOAD_MB", "0"),
    ("MAX_UPLOAD_MB", "100000"), ("GATE_TOLERANCE", "-3"), ("GATE_TOLERANCE", "1.5"), ("TOP_K", "0"),
    ("THREADS", "-1"), ("TEMPERATURE", "9"), ("OPENAI_TIMEOUT", "0"), ("MAX_QUESTION_CHARS", "0"),
    ("DENSE_WEIGHT", "-0.5"), ("API_KEY", "short"),
])
def test_bad_values_are_refused_naming_the_setting(name, raw):
    env = {"JIANGHUA_" + name: raw}
    if name == "API_KEY_ALL":
        env["JIANGHUA_API_KEY"] = "a-long-enough-key"
    with pytest.raises(InputError, match=f"(?i){name}"):
        Settings.from_env(env)


@pytest.mark.parametrize("raw, value", [("true", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True),
                                        ("false", False), ("0", False), ("no", False), (" off ", False)])
def test_booleans(raw, value):
    assert Settings.from_env({"JIANGHUA_API_KEY_ALL": raw, "JIANGHUA_API_KEY": "x" * 12}).api_key_all is value


def test_ranges_hold_for_values_given_in_code_too(tmp_path):
    with pytest.raises(InputError, match="rrf_k"):
        Settings(kb=tmp_path).with_(rrf_k=-1)
    with pytest.raises(InputError, match="max_upload_mb"):
        Settings.from_env({}, max_upload_mb=-5)


def test_the_key_is_never_printed():
    s = Settings.from_env({"JIANGHUA_API_KEY": "very-secret-key-123"})
    assert s.api_key == "very-secret-key-123"
    for text in (repr(s), str(s), f"{s}", repr([s])):
        assert "very-secret-key-123" not in text and "api_key=<set>" in text
    assert "api_key=None" in repr(Settings())
