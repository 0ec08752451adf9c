"""Pure question drawing: which questions an attempt gets, and in what choice order.

No database and no people. The result is stored on the attempt when it starts, so a resumed
attempt shows the same draw.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from .blocks import SKILLS

SKILL_ORDER = [skill for skill, _ in SKILLS]


def draw_questions(
    pool: Sequence[Mapping],
    *,
    settings: Mapping,
    rng: random.Random | None = None,
) -> list[dict]:
    """Draw an attempt's questions from a pool.

    settings: draw_count (0: every question), per_skill (draw_count for each skill tag),
    shuffle_choices. Scenario sets are always included whole. Questions keep their authored
    order; choices are shuffled unless the question pins them (true/false always does).
    """
    rng = rng or random.SystemRandom()
    count = settings.get("draw_count") or 0
    standalone = [q for q in pool if not q.get("scenario")]
    if not count:
        chosen = {q["id"] for q in standalone}
    elif settings.get("per_skill"):
        chosen = set()
        for skill in SKILL_ORDER:
            of_skill = [q["id"] for q in standalone if q["skill"] == skill]
            chosen.update(rng.sample(of_skill, min(count, len(of_skill))))
    else:
        chosen = set(rng.sample([q["id"] for q in standalone], min(count, len(standalone))))
    drawn = []
    for q in pool:
        if q.get("scenario") or q["id"] in chosen:
            q = dict(q, choices=[dict(c) for c in q["choices"]])
            if settings.get("shuffle_choices", True) and not q.get("pinned"):
                rng.shuffle(q["choices"])
            drawn.append(q)
    return drawn
