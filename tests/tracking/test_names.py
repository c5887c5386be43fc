from __future__ import annotations

import random
import re

from trialbook.tracking.names import ADJECTIVES, NOUNS, generate_run_name

NAME = re.compile(r"^[a-z]+-[a-z]+-[0-9]{3}$")


def test_name_is_adjective_noun_and_three_digits() -> None:
    name = generate_run_name()
    assert NAME.fullmatch(name), name
    adjective, noun, _ = name.split("-")
    assert adjective in ADJECTIVES
    assert noun in NOUNS


def test_word_lists_hold_about_a_hundred_distinct_lowercase_ascii_words() -> None:
    for words in (ADJECTIVES, NOUNS):
        assert len(words) >= 100
        assert len(set(words)) == len(words)
        assert all(re.fullmatch(r"[a-z]+", word) for word in words)


def test_a_thousand_names_are_nearly_all_distinct() -> None:
    rng = random.Random(1234)
    names = {generate_run_name(rng) for _ in range(1000)}
    assert len(names) >= 990


def test_seeded_rng_gives_the_same_names() -> None:
    rng_a, rng_b = random.Random(7), random.Random(7)
    assert [generate_run_name(rng_a) for _ in range(5)] == [
        generate_run_name(rng_b) for _ in range(5)
    ]


def test_default_rng_leaves_the_global_random_state_alone() -> None:
    before = random.getstate()
    generate_run_name()
    assert random.getstate() == before


def test_seeding_the_global_random_module_does_not_repeat_names() -> None:
    state = random.getstate()
    try:
        random.seed(0)
        first = generate_run_name()
        random.seed(0)
        second = generate_run_name()
    finally:
        random.setstate(state)
    assert first != second
