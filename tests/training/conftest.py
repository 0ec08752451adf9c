"""Fixtures shared by the training tests: a module with quiz settings of the test's choosing,
and starting an attempt over HTTP."""

from __future__ import annotations

import copy
import re

import pytest

from training.models import Attempt

from ..conftest import SAMPLE_SPEC, publish_module, require


def spec_with(*, title: str = "Rules module", **settings) -> dict:
    """The sample module's content under another title and slug, with these quiz settings."""
    spec = copy.deepcopy(SAMPLE_SPEC)
    spec["slug"] = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    spec["title"] = title
    spec["quiz_settings"] = settings
    return spec


@pytest.fixture
def make_module(site, people):
    """make_module(title=…, **quiz settings): published, required for nurses within 30 days."""

    def _make(*, title: str = "Rules module", **settings):
        page = publish_module(site.catalogue, spec_with(title=title, **settings))
        require(page, roles=[people.nurse_role], due_days=30)
        return page

    return _make


def start(client, module, kind=None):
    """Start (or resume) an attempt as the logged-in client: (attempt or None, final response)."""
    data = {"kind": kind} if kind else {}
    response = client.post(f"/learn/modules/{module.pk}/start/", data, follow=True)
    match = re.search(r"/learn/attempts/(\d+)/$", response.redirect_chain[-1][0])
    return (Attempt.objects.get(pk=int(match[1])) if match else None), response
