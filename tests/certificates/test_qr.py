"""The certificate's QR code: Attune's faster mask choice (certificates/qr.py) picks the same
mask and the same matrix as segno's own, and the code still reads back as the payload."""

from __future__ import annotations

import io
import random
import string

import pytest
import segno
from PIL import Image as PILImage
from segno import encoder

from certificates import qr


def test_the_faster_mask_choice_is_the_one_in_use():
    # Pinned to the segno version it was checked against: an upgrade fails here until someone
    # runs this file against the new version and widens qr.SEGNO_VERSIONS.
    assert segno.__version__.startswith(qr.SEGNO_VERSIONS)
    assert qr.ACTIVE
    assert encoder.find_and_apply_best_mask is qr.find_and_apply_best_mask


def random_matrix(rng: random.Random, size: int, dark: float) -> list[bytes]:
    return [bytes(int(rng.random() < dark) for _ in range(size)) for _ in range(size)]


@pytest.mark.parametrize("seed", range(4))
def test_penalty_equals_segnos_on_random_matrices(seed):
    """Every penalty rule (runs, blocks, finder-like patterns, dark share) on matrices of
    every darkness, including all-light and all-dark rows, and the finder pattern at the
    edges."""
    rng = random.Random(seed)
    for _ in range(60):
        size = rng.choice([21, 25, 29, 33, 37, 41, 45, 57])
        rows = random_matrix(rng, size, rng.choice([0.0, 0.1, 0.3, 0.5, 0.7, 0.95, 1.0]))
        if rng.random() < 0.5:  # a finder-like run at the start or end of some rows
            pattern = bytes((1, 0, 1, 1, 1, 0, 1))
            for i in rng.sample(range(size), 3):
                at = rng.choice([0, size - 7, rng.randrange(size - 7)])
                rows[i] = rows[i][:at] + pattern + rows[i][at + 7 :]
        theirs = encoder.evaluate_mask([bytearray(r) for r in rows], size, size)
        assert qr.penalty(rows, size) == theirs


def payloads(rng: random.Random, count: int) -> list[str]:
    alphabet = string.ascii_letters + string.digits + "-_./?=&%"
    out = []
    for i in range(count):
        length = 10 + (i * 7) % 190  # versions 1 to about 10
        out.append(f"https://{''.join(rng.choice(alphabet) for _ in range(length))}")
    return out


def test_same_mask_and_matrix_as_segno(monkeypatch):
    """Every QR code segno makes goes through both functions on the same unmasked matrix."""
    compared, masks, sizes = 0, set(), set()

    segnos = qr._segno_find_and_apply_best_mask

    def not_segnos(*args):
        raise AssertionError("the faster mask choice handed this code to segno")

    def both(matrix, width, height, proposed_mask=None):
        nonlocal compared
        qr._segno_find_and_apply_best_mask = not_segnos  # ours must do it all itself
        try:
            ours = qr.find_and_apply_best_mask(
                tuple(bytearray(r) for r in matrix), width, height, proposed_mask
            )
        finally:
            qr._segno_find_and_apply_best_mask = segnos
        theirs = segnos(matrix, width, height, proposed_mask)
        assert ours[0] == theirs[0]
        assert [bytes(r) for r in ours[1]] == [bytes(r) for r in theirs[1]]
        assert all(isinstance(r, bytearray) for r in ours[1])  # segno writes format info
        compared += 1
        masks.add(theirs[0])
        sizes.add(width)
        return theirs

    monkeypatch.setattr(encoder, "find_and_apply_best_mask", both)
    rng = random.Random(7)
    for payload in payloads(rng, 240):
        segno.make(payload, error=rng.choice("lmqh"), micro=False)
    assert compared == 240
    assert masks == set(range(8))  # every mask was the best at least once
    assert len(sizes) >= 6


def test_a_proposed_mask_and_micro_codes_are_segnos_own(monkeypatch):
    handed_over, original = [], qr._segno_find_and_apply_best_mask

    def segnos(matrix, width, height, proposed_mask=None):
        handed_over.append((width, proposed_mask))
        return original(matrix, width, height, proposed_mask)

    monkeypatch.setattr(qr, "_segno_find_and_apply_best_mask", segnos)
    code = segno.make("https://example.org/verify/ABC/", error="m", micro=False, mask=5)
    assert code.mask == 5
    micro = segno.make("12345", micro=True)
    assert micro.is_micro and micro.mask in range(4)
    assert handed_over == [(len(code.matrix), 5), (len(micro.matrix), None)]
    segno.make("https://example.org/verify/ABC/", error="m", micro=False)
    assert len(handed_over) == 2  # a QR code without a proposed mask: ours


def test_the_png_is_the_code_of_the_payload():
    """The PNG in the certificate has one pixel per module and a two-module border, and its
    pixels are the QR matrix segno made for the verification address."""
    payload = "https://attune.example.org/verify/ABCD2345EFGH/"
    uri = qr.qr_data_uri(payload)
    assert uri.startswith("data:image/png;base64,")
    import base64

    image = PILImage.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("1")
    code = segno.make(payload, error="m", micro=False)
    size = len(code.matrix)
    assert image.size == (size + 4, size + 4)
    pixels = [
        [0 if image.getpixel((x + 2, y + 2)) else 1 for x in range(size)] for y in range(size)
    ]
    assert pixels == [list(row) for row in code.matrix]
