"""Streamed answers: the pieces concatenate to the answer, and with an LLM each verified sentence
goes out while the LLM is still writing (a real OpenAI-compatible server that streams slowly:
conftest.StreamingChatServer, which holds back the rest of its answer until the first sentence
has reached the client)."""

import json
import re
import shutil

import httpx
import pytest
from conftest import CORPUS, REPORT_HITS, Server

from assistant.answer.llm import OpenAICompatibleLLM, SentenceVerifier, support, verify
from assistant.app.service import text_pieces

QUESTION = "Trường THCS phải báo cáo gì sau năm học 2024-2025?"


HITS = REPORT_HITS
ANSWER = (
    "Các trường báo cáo tổng kết học bạ điện tử sau năm học 2024 - 2025 [1]. "
    "Giáo viên được tăng lương 50% từ tháng 9 [2].\n"
    "- Thí điểm học bạ số cấp trung học cơ sở từ học kỳ II [1]. Số hóa hồ sơ chuyên môn sau năm học [7]."
)


@pytest.mark.parametrize("size", [1, 3, 7, 1000])
def test_incremental_verifier_keeps_what_verify_keeps(size):
    v = SentenceVerifier(HITS)
    got = []
    for i in range(0, len(ANSWER), size):
        got += v.feed(ANSWER[i : i + size])
    got += v.finish()
    assert got == verify(ANSWER, HITS)
    assert len(got) == 3 and not any("tăng lương" in c for c, _ in got)


def test_a_sentence_is_released_once_the_next_one_starts():
    v = SentenceVerifier(HITS)
    assert v.feed("Các trường báo cáo tổng kết học bạ điện tử sau năm học 2024 - 2025 [1].") == []
    assert v.feed(" ") == []
    assert [c for c, _ in v.feed("T")] == ["Các trường báo cáo tổng kết học bạ điện tử sau năm học 2024 - 2025."]


def test_text_pieces_concatenate_exactly():
    text = "Theo Chỉ thị số 04/CT-UBND  ngày 14/09/2021:\n\n- Một  [1]\n- Hai [2] "
    pieces = text_pieces(text)
    assert "".join(pieces) == text and len(pieces) > 1


def _sse_events(response):
    name = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            yield name, json.loads(line[6:])


def test_service_streams_each_verified_sentence_before_the_llm_finishes(seed_service, streaming_llm):
    seed_service._llm = OpenAICompatibleLLM(base_url=streaming_llm.url + "/v1", timeout=60)
    deltas, events, finished_at_first = [], [], None
    for e in seed_service.ask_stream(QUESTION, use_llm=True):
        events.append(e)
        if e.kind == "delta":
            if not deltas:
                finished_at_first = streaming_llm.finished.is_set()
                streaming_llm.release.set()  # only now may the LLM write the rest
            deltas.append(e.data["text"])
    assert finished_at_first is False, "the first sentence must reach the caller while the LLM is still writing"
    assert [e.kind for e in events][0] == "meta" and events[0].data["mode"] == "llm"
    done = events[-1].data
    assert events[-1].kind == "done" and done["mode"] == "llm"
    assert "".join(deltas) == done["answer"]
    assert "tăng lương" not in done["answer"], "the unsupported sentence is dropped"
    by_n = {c["n"]: c for c in done["citations"]}
    for sentence in re.split(r"(?<=\])\s+", done["answer"]):
        refs = [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]
        claim = re.sub(r"\[\d+\]", "", sentence)
        assert refs and all(support(claim, by_n[n]["text"]) >= 0.6 for n in refs), sentence
    assert streaming_llm.requests[0]["stream"] is True


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory, seed_index):
    from conftest import StreamingChatServer

    llm = StreamingChatServer()
    base = tmp_path_factory.mktemp("stream-api")
    shutil.copytree(seed_index, base / "index")
    srv = Server(base / "index", CORPUS, env={"ASSISTANT_LLM": "openai", "ASSISTANT_LLM_BASE_URL": llm.url + "/v1"})
    srv.llm = llm
    yield srv
    srv.stop()
    llm.stop()


def test_sse_first_delta_arrives_before_generation_ends(llm_server):
    llm = llm_server.llm
    events, finished_at_first = [], None
    with httpx.stream("POST", llm_server.url + "/v1/ask", json={"question": QUESTION, "stream": True}, timeout=90) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for name, data in _sse_events(r):
            if name == "delta" and finished_at_first is None:
                finished_at_first = llm.finished.is_set()
                llm.release.set()
            events.append((name, data))
    assert finished_at_first is False
    done = events[-1][1]
    assert done["mode"] == "llm"
    assert "".join(d["text"] for n, d in events if n == "delta") == done["answer"]


def test_sse_extractive_when_the_request_declines_the_llm(llm_server):
    with httpx.stream(
        "POST",
        llm_server.url + "/v1/ask",
        timeout=60,
        json={"question": "Chỉ thị 04 của An Giang có hiệu lực khi nào?", "stream": True, "llm": False},
    ) as r:
        events = list(_sse_events(r))
    assert events[0] == ("meta", events[0][1]) and events[0][1]["mode"] == "extractive"
    done = events[-1][1]
    assert "".join(d["text"] for n, d in events if n == "delta") == done["answer"]
    assert "10 ngày" in done["answer"]
