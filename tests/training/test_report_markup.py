"""The manager pages on tablets and phones: every wide table scrolls in its own labelled,
focusable box with a sticky header (and a sticky first column in the matrices), filters are
labelled touch-sized USWDS controls, and paging is a usa-pagination."""

from __future__ import annotations

import re

import pytest

from training import services

from ..factories import StaffProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

REGION = re.compile(r'<div class="attune-table-scroll[^"]*"([^>]*)>\s*(?:<table[^>]*>)', re.S)


def _regions(html: str) -> list[str]:
    """The attributes of every scroll box that holds a table."""
    return [m.group(1) for m in REGION.finditer(html)]


def _assert_scroll_boxes(html: str, at_least: int) -> None:
    boxes = _regions(html)
    assert len(boxes) >= at_least, boxes
    for attrs in boxes:
        assert 'tabindex="0"' in attrs and 'role="region"' in attrs
        assert re.search(r'aria-label(ledby)?="[^"]+"', attrs), attrs
    # Every table on the page sits in such a box (none is left to overflow the page).
    assert html.count("<table") == len(boxes)


def test_unit_page_matrix_scrolls_with_sticky_header_and_names(people, login):
    html = login(people.manager).get(f"/reports/units/{people.nicu.pk}/").content.decode()
    _assert_scroll_boxes(html, at_least=2)  # by role, and the matrix
    matrix = html.split('id="staff-matrix"')[1].split("</table>")[0]
    assert '<th scope="col" class="attune-sticky-col">Name</th>' in matrix
    assert matrix.count('<th scope="row" class="attune-sticky-col">') == 2  # Amara and Dan
    assert 'class="attune-scroll-hint"' in html
    assert 'aria-label="NICU: staff and requirements"' in html
    # Breadcrumbs, status pills, and no pre-USWDS classes left.
    assert '<nav class="usa-breadcrumb attune-breadcrumb" aria-label="Breadcrumbs">' in html
    assert 'aria-current="page"><span>NICU</span>' in html
    assert 'class="attune-status status-' in html
    for old in (
        'class="badge',
        'class="card',
        'class="button',
        "table-scroll matrix",
        'class="meta',
    ):
        assert old not in html


def test_unit_filters_are_labelled_uswds_controls(people, login):
    html = login(people.manager).get(f"/reports/units/{people.nicu.pk}/").content.decode()
    form = html.split('class="usa-form attune-filters"')[1].split("</form>")[0]
    for name in ("q", "role", "requirement", "status", "sort", "per_page"):
        assert f'<label class="usa-label" for="id_{name}">' in form
    assert form.count('class="usa-select"') == 5 and 'class="usa-input"' in form
    assert '<button type="submit" class="usa-button">Show</button>' in form


def test_bad_filter_is_shown_as_a_uswds_error_on_its_field(people, login):
    response = login(people.manager).get(f"/reports/units/{people.nicu.pk}/", {"status": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="usa-form-group usa-form-group--error"' in html
    assert re.search(
        r'<span class="usa-error-message" id="id_status_error">Select a valid choice', html
    )
    assert 'aria-describedby="id_status_error"' in html and 'aria-invalid="true"' in html


def test_matrix_pages_with_usa_pagination(people, module, login):
    for i in range(30):
        StaffProfileFactory(
            user=UserFactory(first_name="Pat", last_name=f"Zed{i:02d}"),
            role=people.nurse_role,
            unit=people.nicu,
        )
    services.assignments_sync()
    url = f"/reports/units/{people.nicu.pk}/"
    html = login(people.manager).get(url, {"per_page": 25, "page": 2}).content.decode()
    nav = html.split('<nav class="usa-pagination attune-pagination"')[1].split("</nav>")[0]
    assert 'class="usa-pagination__button usa-current" aria-current="page"' in nav
    assert 'href="?per_page=25&amp;page=1"' in nav and 'rel="prev"' in nav
    assert 'rel="next"' not in nav  # the last page
    assert "Page 2 of 2" in nav


def test_organisation_table_has_sticky_unit_column(people, login):
    html = login(people.lead).get("/reports/organisation/").content.decode()
    _assert_scroll_boxes(html, at_least=1)
    table = html.split('id="units-table"')[1].split("</table>")[0]
    assert '<th scope="row" class="attune-sticky-col"><a href=' in table
    assert '<label class="usa-label" for="id_sort">Sort by</label>' in html


def test_person_and_assignment_pages_use_the_design_system(people, login):
    client = login(people.manager)
    html = client.get(f"/reports/people/{people.staff.pk}/").content.decode()
    _assert_scroll_boxes(html, at_least=1)
    assert 'class="usa-breadcrumb__list"' in html
    assignment = people.staff.assignments.get()
    html = client.get(f"/reports/assignments/{assignment.pk}/").content.decode()
    assert '<textarea name="extend-reason"' in html and 'class="usa-textarea"' in html
    assert 'id="id_extend-reason_helptext"' in html
    assert 'aria-describedby="id_extend-reason_helptext"' in html
