"""JSON responses rendered in one pass by pydantic-core's serializer.

A route that returns a plain dict goes through FastAPI's response validation and encoding
first, which costs more than the query for a large page (some 300 ms for 1,000 runs); a
route that returns :class:`JsonBody` sends its dict as is::

    return JsonBody({"runs": [...], "next_page_token": None})

The dict must hold JSON types only; NaN and ±inf floats are written as the strings
:func:`trialbook.store.rest.wire.number` makes of them.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic_core import to_json


class JsonBody(JSONResponse):
    """A JSON response whose content is rendered by pydantic-core, without validation."""

    def render(self, content: Any) -> bytes:
        return to_json(content, inf_nan_mode="strings")
