"""A model card is data: it names a registered adapter (or its own unpackaged adapter file) and
never makes facebench import or run anything else; a broken card is one clear line naming it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from facebench.adapters.hf import HFSettings
from facebench.adapters.registry import ModelCard, build_adapter, load_card
from facebench.errors import ConfigError
from facebench.types import Message, Part, Request

ROOT = Path(__file__).resolve().parents[2]
GROUP = "facebench.adapters entry-point group"


def facebench(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "facebench", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def assert_one_line_refusal(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    for needle in needles:
        assert needle in lines[0], lines[0]


def hostile_card(tmp_path: Path, adapter: str) -> tuple[Path, Path]:
    """A card whose adapter would, if ever imported and called with its settings, create the
    marker file."""
    marker = tmp_path / "PWNED"
    card = tmp_path / "evil.yaml"
    card.write_text(
        f"name: evil\nadapter: '{adapter}'\nsettings:\n  command: touch {marker}\n  args: touch {marker}\n",
        encoding="utf-8",
    )
    return card, marker


@pytest.mark.parametrize("adapter", ["os:system", "subprocess:getoutput", "os.path:join",
                                     "facebench.adapters.random_choice:RandomAdapter", "os"])
def test_card_naming_an_arbitrary_module_is_refused(tmp_path, adapter):
    card, marker = hostile_card(tmp_path, adapter)
    with pytest.raises(ConfigError) as info:
        load_card(str(card))
    message = str(info.value)
    assert message.startswith(f"{card}: adapter {adapter!r} is not registered")
    assert GROUP in message and "\n" not in message
    assert not marker.exists()


def test_cli_refuses_the_card_in_one_line_and_runs_nothing(tmp_path):
    card, marker = hostile_card(tmp_path, "os:system")
    done = facebench("run", "--model", card, "--tasks", "rafdb", "--limit", "1",
                     "--output", tmp_path / "out", cwd=tmp_path)
    assert_one_line_refusal(done, str(card), "'os:system'", GROUP)
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


def test_cli_model_flag_takes_only_registered_adapter_names(tmp_path):
    done = facebench("run", "--model", "os:system", "--tasks", "rafdb", "--output", tmp_path / "out",
                     cwd=tmp_path)
    assert_one_line_refusal(done, "unknown model 'os:system'", GROUP, "random")


def test_a_card_built_in_python_cannot_name_a_module_either(tmp_path):
    marker = tmp_path / "PWNED"
    card = ModelCard(name="evil", adapter="os:system", settings={"command": f"touch {marker}"})
    with pytest.raises(ConfigError, match=GROUP):
        build_adapter(card)
    assert not marker.exists()


def test_module_beside_the_card_without_the_class_is_never_imported(tmp_path):
    """The class is looked for by parsing the file: a module that does not define it is
    refused before a line of it runs."""
    marker = tmp_path / "IMPORTED"
    (tmp_path / "helper.py").write_text(f"open({str(marker)!r}, 'w').close()\n\ndef run(): ...\n")
    card = tmp_path / "card.yaml"
    card.write_text("name: h\nadapter: helper:run\n")
    with pytest.raises(ConfigError, match=r"helper\.py defines no class run"):
        load_card(str(card))
    done = facebench("run", "--model", card, "--tasks", "rafdb", "--limit", "1",
                     "--output", tmp_path / "out", cwd=tmp_path)
    assert_one_line_refusal(done, str(card), "defines no class run")
    assert not marker.exists()


LOCAL_ADAPTER = textwrap.dedent(
    '''
    from facebench.adapters.base import Adapter
    from facebench.types import Response


    class EchoAdapter(Adapter):
        """Answers every request with its key."""

        name = "echo"

        def generate(self, requests):
            return [Response(text=r.key) for r in requests]


    class NotAnAdapter:
        pass
    '''
)


@pytest.fixture
def forget_modules():
    """Module names a test imports from its tmp_path, dropped afterwards (a rerun in the same
    process imports its own file again instead of being refused as a different one)."""
    names: list[str] = []
    yield names
    for name in names:
        sys.modules.pop(name, None)


@pytest.mark.parametrize("card_folder", [".", "model_adapters"])
def test_unpackaged_adapter_beside_its_card_still_works(tmp_path, card_folder, forget_modules):
    """What ``facebench new-adapter`` writes (docs/adding-an-adapter.md): ``module:Class`` of a
    file in the card's folder or the folder above it, no packaging needed."""
    module = f"echo_adapter_{card_folder.strip('.') or 'here'}"
    forget_modules.append(module)
    (tmp_path / f"{module}.py").write_text(LOCAL_ADAPTER)
    card = tmp_path / card_folder / "echo.yaml"
    card.parent.mkdir(exist_ok=True)
    card.write_text(f"name: echo\nadapter: {module}:EchoAdapter\nsettings: {{batch_size: 2}}\n")
    adapter = build_adapter(load_card(str(card)))
    request = Request("rafdb", "k1", "k1", (Message("user", (Part.text("Which expression?"),)),))
    assert [r.text for r in adapter.generate([request])] == ["k1"]
    assert adapter.settings.batch_size == 2


def test_unpackaged_class_must_be_an_adapter(tmp_path, forget_modules):
    forget_modules.append("echo_adapter_not")
    (tmp_path / "echo_adapter_not.py").write_text(LOCAL_ADAPTER)
    card = tmp_path / "card.yaml"
    card.write_text("name: x\nadapter: echo_adapter_not:NotAnAdapter\n")
    with pytest.raises(ConfigError, match="NotAnAdapter is not a facebench Adapter subclass"):
        build_adapter(load_card(str(card)))


def test_a_local_file_cannot_stand_in_for_an_imported_module(tmp_path):
    """``json.py`` beside a card is not the ``json`` already imported: refused, not mixed up."""
    (tmp_path / "json.py").write_text("class Decoy: ...\n")
    card = tmp_path / "card.yaml"
    card.write_text("name: x\nadapter: json:Decoy\n")
    with pytest.raises(ConfigError, match="'json' is already imported from"):
        build_adapter(load_card(str(card)))


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"name: x\nadapter: random\ndescription: caf\xe9\n", ":3: not UTF-8 text (byte 0xe9)"),
        (b"name: x\nadapter: random\nsettings: {batch_size: 2\n", ":4: not valid YAML:"),
        (b"name: x\n  adapter: random\n", ":2: not valid YAML: mapping values are not allowed here"),
        (b"- name: x\n", ": a model card is a mapping (name, adapter, settings), got list"),
        (b"name: x\nadapter: random\nsetings: {}\n", ": invalid model card: setings: Extra inputs"),
    ],
    ids=["latin-1", "unclosed-flow", "bad-indent", "list", "misspelt-key"],
)
def test_broken_card_is_one_line_naming_the_file(tmp_path, content, expected):
    card = tmp_path / "broken.yaml"
    card.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_card(str(card))
    assert str(info.value).startswith(f"{card}{expected}"), str(info.value)
    assert "\n" not in str(info.value)
    done = facebench("run", "--model", card, "--tasks", "rafdb", "--output", tmp_path / "out",
                     cwd=tmp_path)
    assert_one_line_refusal(done, f"{card}{expected}")


# -- remote code is pinned --------------------------------------------------------------------

REMOTE = {"model": "DAMO-NLP-SG/VideoLLaMA3-7B", "trust_remote_code": True}


@pytest.mark.parametrize("revision", [None, "main", "v1.0", "5836b72"])
def test_trust_remote_code_needs_a_commit(revision):
    with pytest.raises(ValidationError, match=r"trust_remote_code needs revision: <commit>"):
        HFSettings.model_validate({**REMOTE, "revision": revision})


def test_trust_remote_code_with_a_commit_or_a_local_folder_is_accepted(tmp_path):
    pinned = HFSettings.model_validate({**REMOTE, "revision": "5836b729930438de1526d586f19e799e1e758f36"})
    assert pinned.revision == "5836b729930438de1526d586f19e799e1e758f36"
    local = HFSettings.model_validate({**REMOTE, "model": str(tmp_path)})  # the user's own code
    assert local.revision is None


def test_shipped_remote_code_cards_are_pinned():
    import yaml

    for path in sorted((ROOT / "model_adapters").glob("*.yaml")):
        settings = yaml.safe_load(path.read_text(encoding="utf-8")).get("settings", {})
        if settings.get("trust_remote_code"):
            assert len(str(settings.get("revision", ""))) == 40, path.name


def test_unpinned_remote_code_card_is_refused_by_the_cli(tmp_path):
    """Through ``facebench serve --dry-run``, which validates an hf card without torch."""
    card = tmp_path / "remote.yaml"
    card.write_text("name: remote\nadapter: hf\nsettings:\n  model: DAMO-NLP-SG/VideoLLaMA3-7B\n"
                    "  trust_remote_code: true\n")
    done = facebench("serve", card, "--dry-run", cwd=tmp_path)
    assert_one_line_refusal(done, "model card 'remote'", "trust_remote_code needs revision: <commit>")
