"""The support worker the export tests work as."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.staff_helpers import make_staff


@pytest.fixture
def worker(app: Flask) -> Any:
    return make_staff(app, "worker@example.org")
