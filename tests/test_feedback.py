"""The feedback file: outside the index, a share per client, the oldest dropped when full."""

import json

import pytest

from assistant.app.feedback import FeedbackError, FeedbackStore
from assistant.core.settings import Settings


def test_feedback_lives_outside_the_index_folder():
    s = Settings()
    assert s.index_dir not in s.feedback_file.parents


def test_one_client_cannot_fill_the_file_and_a_full_file_refuses_nobody(tmp_path):
    path = tmp_path / "fb" / "feedback.jsonl"
    store = FeedbackStore(path, 4096, per_minute=10_000, max_file_bytes=20_000, client_share=0.3)
    item = {"rating": "đúng", "question": "q", "answer": "a" * 400}
    with pytest.raises(FeedbackError) as hog:
        for _ in range(100):
            store.add(item, "10.0.0.1")
    assert hog.value.status == 429 and hog.value.code == "feedback_quota"
    for i in range(200):  # many clients: the file stays under its cap, the newest records are kept
        store.add({**item, "question": f"q{i}"}, f"10.0.1.{i}")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert path.stat().st_size <= 20_000
    assert json.loads(lines[-1])["question"] == "q199" and "10.0.1" not in path.read_text()  # hashed, not the address
    assert FeedbackStore(path, 4096, 10_000, 20_000, 0.3)._load_usage()  # counted again from the file
