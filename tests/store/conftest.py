"""A fresh in-memory store per test."""

from __future__ import annotations

import pytest

import hub.store.o2c  # noqa: F401
import hub.store.platform  # noqa: F401
from hub.store.base import Base, make_engine, make_sessionmaker


@pytest.fixture
def session():
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()
