"""docs/ in the Registry's layout is generated (scripts/gen_docs.py, `make docs`) from the installed
provider's schema, examples/ and templates/, and is current: the pages are generated again into a
temporary directory and compared. Every example of examples/provider, examples/resources and
examples/data-sources is on its page (tests/examples applies each of them)."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.terraform import REPO

sys.path.insert(0, str(REPO / "scripts"))
import gen_docs  # noqa: E402

DOCS = REPO / "docs"
EXAMPLES = REPO / "examples"
HAND_WRITTEN = [
    "local-server.md",
    "dependencies.md",
    *(f"guides/{p.name}" for p in (DOCS / "guides").glob("*.md")),
]


@pytest.mark.requires_terraform("1.10", "the ephemeral resource's page comes from its schema")
def test_docs_are_current(provider_schema: dict[str, Any], tmp_path: Path):
    wanted = gen_docs.render(provider_schema)
    gen_docs.write(tmp_path, wanted)
    diffs = []
    for path in sorted(gen_docs.generated_files(tmp_path) | gen_docs.generated_files(DOCS)):
        ours, fresh = DOCS / path, tmp_path / path
        old = ours.read_text().splitlines(keepends=True) if ours.is_file() else []
        new = fresh.read_text().splitlines(keepends=True) if fresh.is_file() else []
        diffs += difflib.unified_diff(old, new, f"docs/{path}", f"generated/{path}")
    assert not diffs, "docs/ is out of date: run `make docs`\n" + "".join(diffs)


def _page_of(example: Path) -> Path:
    kind, type_name = example.relative_to(EXAMPLES).parts[:2]
    if kind == "provider":
        return DOCS / "index.md"
    return DOCS / kind / f"{gen_docs.short_name(type_name)}.md"


def _examples() -> list[Path]:
    return sorted(
        p
        for d in ("provider", "resources", "data-sources", "ephemeral-resources")
        for p in (EXAMPLES / d).rglob("*")
        if p.is_file()
    )


def test_every_example_is_rendered_into_its_page():
    examples = _examples()
    assert len(examples) >= 6, examples
    for example in examples:
        page = _page_of(example)
        assert page.is_file(), f"{example.relative_to(REPO)}: no page {page.relative_to(REPO)}"
        fence = "terraform" if example.suffix == ".tf" else "shell"
        block = f"```{fence}\n{example.read_text().strip()}\n```"
        assert block in page.read_text(), f"{example.relative_to(REPO)} is not on {page.relative_to(REPO)}"


def test_every_resource_and_data_source_has_its_example(provider_schema: dict[str, Any]):
    for kind, key, name in (
        ("resources", "resource_schemas", "resource.tf"),
        ("data-sources", "data_source_schemas", "data-source.tf"),
        ("ephemeral-resources", "ephemeral_resource_schemas", "ephemeral-resource.tf"),
    ):
        for type_name in provider_schema.get(key, {}):
            assert (EXAMPLES / kind / type_name / name).is_file(), (
                f"examples/{kind}/{type_name}/{name} is missing"
            )
    assert (EXAMPLES / "resources" / "openai_chat_completion" / "import.sh").is_file()


def test_generated_pages_say_so_and_hand_written_ones_do_not():
    for path in gen_docs.generated_files(DOCS):
        text = (DOCS / path).read_text()
        assert text.startswith(f"---\n{gen_docs.GENERATED_YAML}\n"), path
        assert gen_docs.GENERATED_HTML in text, path
    for path in HAND_WRITTEN:
        assert "gen_docs.py" not in (DOCS / path).read_text(), f"docs/{path} is hand-written"


def test_every_guide_has_front_matter_and_is_linked_from_the_index():
    index = (DOCS / "index.md").read_text()
    guides = sorted((DOCS / "guides").glob("*.md"))
    assert guides
    for guide in guides:
        text = guide.read_text()
        assert text.startswith("---\npage_title: ") and 'subcategory: "Guides"' in text, guide.name
        assert f"(guides/{guide.name})" in index, (
            f"docs/index.md does not link guides/{guide.name}: add it to templates/index.md.tmpl"
        )
