"""Demo data: invented stories from children and young people, with answers to the default
framework and documented, planted patterns (see :mod:`sensemaking.demo.generator` and
``docs/demo-data.md``).

Example:
    >>> from sensemaking.demo import demo_csv_path, generate_stories
    >>> len(generate_stories())
    832
"""

from sensemaking.demo.generator import demo_csv_path, generate_stories, write_demo_csv

__all__ = ["demo_csv_path", "generate_stories", "write_demo_csv"]
