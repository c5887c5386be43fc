"""Human-readable run names such as ``"brave-otter-417"``.

Usage::

    from trialbook.tracking.names import generate_run_name

    generate_run_name()                      # "brave-otter-417"
    generate_run_name(random.Random(7))      # the same name every time

Without an ``rng`` the name comes from the operating system's randomness, so it never
draws from (or is repeated by) the user's seeded ``random`` module, and forked workers
do not produce the same names.
"""

from __future__ import annotations

import random

__all__ = ["ADJECTIVES", "NOUNS", "generate_run_name"]

ADJECTIVES: tuple[str, ...] = (
    "agile", "amber", "ancient", "azure", "autumn", "bold", "brave", "breezy", "bright",
    "brisk", "bubbly", "calm", "candid", "careful", "cheerful", "clever", "cosmic", "crisp",
    "curious", "dapper", "daring", "dazzling", "eager", "earnest", "easy", "elegant",
    "emerald", "epic", "fearless", "festive", "fluffy", "fond", "friendly", "gentle",
    "gifted", "glad", "gleaming", "golden", "graceful", "grand", "happy", "hardy", "helpful",
    "honest", "humble", "jolly", "jovial", "joyful", "keen", "kind", "lively", "lucky",
    "lunar", "magic", "mellow", "merry", "mighty", "misty", "modest", "nimble", "noble",
    "patient", "peaceful", "plucky", "polite", "proud", "quick", "quiet", "radiant", "rapid",
    "ready", "regal", "rosy", "royal", "rustic", "serene", "shiny", "silent", "silver",
    "sincere", "smooth", "snappy", "snowy", "solar", "sparkling", "speedy", "spirited",
    "splendid", "steady", "sturdy", "sunny", "swift", "tidy", "tranquil", "upbeat",
    "valiant", "vivid", "warm", "witty", "zesty",
)  # fmt: skip
"""Inoffensive lowercase ASCII adjectives, the first word of a run name."""

NOUNS: tuple[str, ...] = (
    "albatross", "alpaca", "antelope", "badger", "beetle", "bison", "bluebird", "bobcat",
    "buffalo", "butterfly", "camel", "canary", "caribou", "cheetah", "chipmunk", "cicada",
    "condor", "cougar", "coyote", "crane", "cricket", "dolphin", "dove", "dragonfly",
    "duckling", "eagle", "egret", "falcon", "ferret", "finch", "firefly", "flamingo", "fox",
    "gazelle", "gecko", "gibbon", "giraffe", "goldfish", "gopher", "gorilla", "heron",
    "hedgehog", "hippo", "hummingbird", "ibis", "iguana", "impala", "jaguar", "kangaroo",
    "kestrel", "kingfisher", "kiwi", "koala", "lemur", "leopard", "lion", "llama", "lobster",
    "lynx", "macaw", "magpie", "manatee", "marmot", "meerkat", "mongoose", "moose",
    "narwhal", "newt", "ocelot", "octopus", "orca", "osprey", "otter", "owl", "panda",
    "panther", "parrot", "pelican", "penguin", "puffin", "quail", "rabbit", "raccoon",
    "raven", "robin", "salmon", "seal", "sparrow", "squirrel", "starling", "swan", "tapir",
    "tiger", "toucan", "turtle", "walrus", "wombat", "yak", "zebra", "wren",
)  # fmt: skip
"""Inoffensive lowercase ASCII nouns (animals), the second word of a run name."""

_SYSTEM_RANDOM = random.SystemRandom()


def generate_run_name(rng: random.Random | None = None) -> str:
    """Return a name like ``"brave-otter-417"``: adjective, noun and three digits.

    Args:
        rng: Source of randomness; pass a seeded ``random.Random`` for repeatable names.
            The default uses OS randomness and leaves the global ``random`` state alone.
    """
    source = _SYSTEM_RANDOM if rng is None else rng
    adjective = source.choice(ADJECTIVES)
    noun = source.choice(NOUNS)
    return f"{adjective}-{noun}-{source.randrange(1000):03d}"
