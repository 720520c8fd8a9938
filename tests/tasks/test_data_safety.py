"""Annotation files are data, not instructions: a path in one never leads facebench outside
the dataset folder (``..``, an absolute path, a link out), and bad bytes or a malformed entry
are a one-line error naming the file and line (or MM-Vet item), never a traceback.

Trees are written in each dataset's official layout by ``facebench.fixtures`` and then
spoiled the way real copies get spoiled; the CLI runs as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from facebench.errors import DatasetError
from facebench.fixtures import celeba, dfew, emotionet, ffpp, lfwa, mmvet, rafdb, zeroshot_attributes
from facebench.fixtures.images import save_face
from facebench.loaders import celeba as celeba_loader
from facebench.loaders import dfew as dfew_loader
from facebench.loaders import emotionet as emotionet_loader
from facebench.loaders import ffpp as ffpp_loader
from facebench.loaders import lfwa as lfwa_loader
from facebench.loaders import mmvet as mmvet_loader
from facebench.loaders import rafdb as rafdb_loader
from facebench.loaders import zeroshot_attributes as zeroshot_loader
from facebench.loaders.paths import inside_root
from facebench.loaders.text import read_text_lines


def replace_line(path: Path, number: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert old in lines[number - 1], (old, lines[number - 1])
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def put_bytes(path: Path, number: int, old: bytes, new: bytes) -> None:
    """Replace ``old`` on line ``number`` by raw bytes (e.g. a Latin-1 'é')."""
    lines = path.read_bytes().split(b"\n")
    assert old in lines[number - 1]
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    path.write_bytes(b"\n".join(lines))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "facebench.cli", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def secret(tmp_path) -> Path:
    """A picture outside every dataset folder: what a hostile annotation would point at."""
    path = tmp_path / "private" / "secret.jpg"
    save_face(path, 0, 0, 32)
    return path


# --- the rule ---------------------------------------------------------------------------------

def test_inside_root_refuses_escapes_and_keeps_paths_as_written(tmp_path, secret):
    root = tmp_path / "data"
    (root / "images").mkdir(parents=True)
    save_face(root / "images" / "a.jpg", 1, 1, 32)
    source = root / "list.txt"
    assert inside_root(root, "images/a.jpg", source, 3) == root / "images" / "a.jpg"
    assert inside_root(root, "images/../images/a.jpg", source, 3) == root / "images/../images/a.jpg"
    assert inside_root(root, "images/missing.jpg", source, 3) == root / "images" / "missing.jpg"
    with pytest.raises(DatasetError, match=r"list\.txt:3: path '\.\./private/secret\.jpg' leads outside"):
        inside_root(root, "../private/secret.jpg", source, 3)
    with pytest.raises(DatasetError, match=r"list\.txt:4: absolute path .* is not allowed"):
        inside_root(root, str(secret), source, 4)
    assert inside_root(root, str(secret), source, 4, allow_absolute=True) == secret
    (root / "images" / "out.jpg").symlink_to(secret)  # a link out of the folder
    with pytest.raises(DatasetError, match=r"list\.txt:5: path 'images/out\.jpg' leads outside .* \(to .*secret\.jpg\)"):
        inside_root(root, "images/out.jpg", source, 5)
    (root / "images" / "alias.jpg").symlink_to(root / "images" / "a.jpg")  # a link inside: fine
    assert inside_root(root, "images/alias.jpg", source, 6) == root / "images" / "alias.jpg"
    linked_root = tmp_path / "link_to_data"  # the dataset itself reached through a link: fine
    linked_root.symlink_to(root)
    assert inside_root(linked_root, "images/a.jpg", source, 7) == linked_root / "images" / "a.jpg"


# --- every loader that joins a path read from a file -----------------------------------------

def test_celeba_refuses_a_name_that_climbs_out_of_the_image_folder(tmp_path, secret):
    root = tmp_path / "data" / "CelebA"
    celeba.write(root)
    attrs, part = root / "list_attr_celeba.txt", root / "list_eval_partition.txt"
    escape = "../../../private/secret.jpg"
    replace_line(attrs, 10, "000008.jpg", escape)
    replace_line(part, 8, "000008.jpg", escape)
    with pytest.raises(DatasetError, match=rf"list_attr_celeba\.txt:10: path '{escape}' leads outside"):
        celeba_loader.load(root)
    # through the real CLI: a line naming file, line and path, no traceback
    result = run_cli("run", "--model", "random", "--tasks", "celeba", "--data-root",
                     str(tmp_path / "data"), "--output", str(tmp_path / "out"))
    text = result.stderr + result.stdout
    assert result.returncode != 0 and "Traceback" not in text
    said = [line for line in text.splitlines() if "leads outside" in line]
    assert said and all("list_attr_celeba.txt:10" in line and escape in line for line in said)


def test_celeba_refuses_absolute_names_and_links_out_but_not_links_in(tmp_path, secret):
    root = tmp_path / "CelebA"
    celeba.write(root)
    attrs, part = root / "list_attr_celeba.txt", root / "list_eval_partition.txt"
    replace_line(attrs, 10, "000008.jpg", str(secret))
    replace_line(part, 8, "000008.jpg", str(secret))
    with pytest.raises(DatasetError, match=r"list_attr_celeba\.txt:10: absolute path"):
        celeba_loader.load(root)
    celeba.write(root)
    images = root / "img_align_celeba"
    (images / "000008.jpg").unlink()
    (images / "000008.jpg").symlink_to(secret)
    with pytest.raises(DatasetError, match=r"list_attr_celeba\.txt:10: path '000008\.jpg' leads outside"):
        celeba_loader.load(root)
    (images / "000008.jpg").unlink()
    (images / "000008.jpg").symlink_to(images / "000009.jpg")
    assert len(celeba_loader.load(root)) == 12
    # a user who keeps the image folder on another disk links the whole folder: fine
    moved = tmp_path / "other_disk" / "img_align_celeba"
    moved.parent.mkdir()
    images.rename(moved)
    images.symlink_to(moved)
    assert len(celeba_loader.load(root)) == 12


def test_lfwa_and_rafdb_names_stay_in_their_image_folders(tmp_path, secret):
    root = tmp_path / "LFWA"
    lfwa.write(root)
    attrs, part = root / "anno/list_attr_lfw.txt", root / "anno/list_eval_partition_lfw.txt"
    replace_line(attrs, 4, "Ada_Lovelace_0002.jpg", "Ada_Lovelace/../../../private/secret.jpg")
    replace_line(part, 2, "Ada_Lovelace_0002.jpg", "Ada_Lovelace/../../../private/secret.jpg")
    with pytest.raises(DatasetError, match=r"list_attr_lfw\.txt:4: path 'Ada_Lovelace/\.\./\.\./\.\./private/secret\.jpg' leads outside"):
        lfwa_loader.load(root)

    root = tmp_path / "RAF-DB"
    rafdb.write(root)
    labels = root / "basic/EmoLabel/list_patition_label.txt"
    replace_line(labels, 9, "test_0002.jpg", "../../../../private/test_0002.jpg")
    with pytest.raises(DatasetError, match=r"list_patition_label\.txt:9: path '\.\./\.\./\.\./\.\./private/test_0002\.jpg' leads outside"):
        list(rafdb_loader.load(root, variant="original"))


def test_mmvet_imagename_must_stay_in_images(tmp_path, secret):
    root = tmp_path / "MM-Vet"
    mmvet.write(root)
    path = root / "mm-vet.json"
    data = json.loads(path.read_text())
    data["v1_3"]["imagename"] = "../../private/secret.jpg"
    path.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match=r"mm-vet\.json: item 'v1_3': path '\.\./\.\./private/secret\.jpg' leads outside"):
        mmvet_loader.load(root)
    data["v1_3"]["imagename"] = str(secret)
    path.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match=r"mm-vet\.json: item 'v1_3': absolute path"):
        mmvet_loader.load(root)


@pytest.mark.parametrize("fmt", ["emotionet", "zeroshot"])
def test_manifest_paths_are_confined_and_absolute_only_on_request(tmp_path, secret, fmt):
    root = tmp_path / fmt
    if fmt == "emotionet":
        emotionet.write(root)
        manifest, line, name, loader = root / "emotionet.csv", 4, "images/N_0000002.jpg", emotionet_loader
    else:
        zeroshot_attributes.write(root)
        manifest, line, name, loader = root / "manifest.jsonl", 2, "images/0002.jpg", zeroshot_loader
    pristine, n = manifest.read_text(encoding="utf-8"), len(loader.load(root))
    replace_line(manifest, line, name, "../private/secret.jpg")
    with pytest.raises(DatasetError, match=rf"{manifest.name}:{line}: path '\.\./private/secret\.jpg' leads outside"):
        loader.load(root)
    manifest.write_text(pristine, encoding="utf-8")
    replace_line(manifest, line, name, str(secret))
    with pytest.raises(DatasetError, match=rf"{manifest.name}:{line}: absolute path .*allow_absolute_paths"):
        loader.load(root)
    samples = loader.load(root, allow_absolute_paths=True)
    assert str(secret) in {s.media[0] for s in samples}
    # a manifest in a sub-folder may reach images beside it ("../images/x.jpg" stays inside)
    manifest.write_text(pristine, encoding="utf-8")
    sub = root / "annotations" / manifest.name
    sub.parent.mkdir()
    sub.write_text(pristine.replace("images/", "../images/"), encoding="utf-8")
    manifest.unlink()
    samples = loader.load(root, manifest=f"annotations/{manifest.name}")
    assert len(samples) == n and all(Path(s.media[0]).resolve().is_file() for s in samples)


def test_allow_absolute_paths_is_a_task_loader_option(tmp_path, secret):
    """The option travels from a task file's ``loader_options`` (a copy of the shipped task)."""
    root = tmp_path / "data" / "EmotioNet"
    emotionet.write(root)
    replace_line(root / "emotionet.csv", 3, "images/N_0000001.jpg", str(secret))
    shipped = Path(__file__).resolve().parents[2] / "tasks" / "emotionet.yaml"
    task = tmp_path / "tasks" / "emotionet_abs.yaml"
    task.parent.mkdir()
    (task.parent / "shared").symlink_to(shipped.parent / "shared")
    task.write_text(shipped.read_text() + "loader_options: {allow_absolute_paths: true}\n")
    base = ["run", "--model", "random", "--data-root", str(tmp_path / "data")]
    refused = run_cli(*base, "--tasks", "emotionet", "--output", str(tmp_path / "o1"))
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "emotionet.csv:3: absolute path" in refused.stderr + refused.stdout
    allowed = run_cli(*base, "--tasks", str(task), "--output", str(tmp_path / "o2"))
    assert allowed.returncode == 0, allowed.stderr + allowed.stdout


# --- text that is not UTF-8 -------------------------------------------------------------------

def test_non_utf8_bytes_name_the_file_and_line_in_every_text_format(tmp_path):
    latin1 = b"\xe9"  # 'é' saved as Latin-1
    root = tmp_path / "CelebA"
    celeba.write(root)
    put_bytes(root / "list_attr_celeba.txt", 7, b"000005.jpg", b"0000\xe9.jpg")
    with pytest.raises(DatasetError, match=r"list_attr_celeba\.txt:7: not UTF-8 text: byte 0xe9 at column 5"):
        celeba_loader.load(root)

    root = tmp_path / "DFEW"
    dfew.write(root)
    split = root / "EmoLabel_DataSplit/test(single-labeled)/set_2.csv"
    split.write_bytes(split.read_bytes() + b"000" + latin1 + b"9,1\n")
    with pytest.raises(DatasetError, match=r"set_2\.csv:5: not UTF-8 text: byte 0xe9"):
        list(dfew_loader.load(root))

    root = tmp_path / "EmotioNet"
    emotionet.write(root)
    put_bytes(root / "emotionet.csv", 3, b"N_0000001", b"N_\xe9")
    with pytest.raises(DatasetError, match=r"emotionet\.csv:3: not UTF-8 text"):
        emotionet_loader.load(root)

    root = tmp_path / "zeroshot"
    zeroshot_attributes.write(root)
    put_bytes(root / "manifest.jsonl", 4, b"images/", b"imag\xe9s/")
    with pytest.raises(DatasetError, match=r"manifest\.jsonl:4: not UTF-8 text"):
        zeroshot_loader.load(root)

    root = tmp_path / "MM-Vet"
    mmvet.write(root)
    raw = (root / "mm-vet.json").read_bytes()
    offset = raw.index(b"faces")
    (root / "mm-vet.json").write_bytes(raw[:offset] + latin1 + raw[offset + 1:])
    line = raw.count(b"\n", 0, offset) + 1
    with pytest.raises(DatasetError, match=rf"mm-vet\.json:{line}: not UTF-8 text: byte 0xe9 .*byte offset {offset}"):
        mmvet_loader.load(root)

    root = tmp_path / "FaceForensics++"
    ffpp.write(root, pairs=(("001", "002"),))
    (root / "splits/test.json").write_bytes(b'[["001",\n "00\xe92"]]')
    with pytest.raises(DatasetError, match=r"test\.json:2: not UTF-8 text"):
        list(ffpp_loader.load(root))


def test_non_utf8_through_the_cli_is_one_line(tmp_path):
    data = tmp_path / "data"
    rafdb.write(data / "RAF-DB")
    put_bytes(data / "RAF-DB/basic/EmoLabel/list_patition_label.txt", 12, b".jpg", b".j\xffg")
    result = run_cli("run", "--model", "random", "--tasks", "rafdb", "--data-root", str(data),
                     "--output", str(tmp_path / "out"))
    text = result.stderr + result.stdout
    assert result.returncode != 0 and "Traceback" not in text and "UnicodeDecodeError" not in text
    said = [line for line in text.splitlines() if "not UTF-8" in line]
    assert said and all("list_patition_label.txt:12: not UTF-8 text: byte 0xff" in line for line in said)


def test_text_lines_keep_bom_and_line_endings_as_before(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbffirst\r\nsecond\rthird\n\nfifth")
    assert list(read_text_lines(path)) == [(1, "first"), (2, "second"), (3, "third"), (4, ""), (5, "fifth")]


# --- MM-Vet items -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("item", "message"),
    [
        (["v1_0.jpg", "rec"], r"item 'v1_2' is a JSON list \(\[\"v1_0\.jpg\", \"rec\"\]\), expected an object with imagename"),
        ("v1_2.jpg", r"item 'v1_2' is a JSON str \(\"v1_2\.jpg\"\), expected an object"),
        (None, r"item 'v1_2' is a JSON NoneType"),
        ({"imagename": "v1_2.jpg", "question": "Q?"}, r"item 'v1_2' lacks capability, answer"),
        ({"imagename": 3, "capability": ["rec"], "question": "Q?", "answer": "a"}, r"item 'v1_2': imagename must be a non-empty string, got 3"),
        ({"imagename": "v1_2.jpg", "capability": ["rec"], "question": "Q?", "answer": {"a": 1}}, r"item 'v1_2': answer must be a string"),
    ],
)
def test_mmvet_bad_items_name_the_file_and_key(tmp_path, item, message):
    mmvet.write(tmp_path)
    path = tmp_path / "mm-vet.json"
    data = json.loads(path.read_text())
    data["v1_2"] = item
    path.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match=rf"mm-vet\.json: {message}"):
        mmvet_loader.load(tmp_path)


def test_mmvet_malformed_json_names_the_file_line_and_column(tmp_path):
    mmvet.write(tmp_path)
    path = tmp_path / "mm-vet.json"
    path.write_text('{"v1_0": {"imagename": "v1_0.jpg",\n  "capability": ["rec"] "question": "x"}}')
    with pytest.raises(DatasetError, match=r"mm-vet\.json:2: not valid JSON: Expecting ',' delimiter \(line 2, column 25"):
        mmvet_loader.load(tmp_path)
    path.write_text("[]")
    with pytest.raises(DatasetError, match=r"mm-vet\.json: expected a JSON object of question id -> item"):
        mmvet_loader.load(tmp_path)
