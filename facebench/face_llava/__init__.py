"""Face-LLaVA (Chaubey et al., WACV 2026) for facebench: a torch reference implementation, a
vLLM model plugin, and the converter that assembles one self-contained folder from the official
checkpoint and the two LanguageBind towers.

Module map (heavy imports stay inside the modules that need them):

- ``config``      -- the converted folder's ``config.json`` (``face_llava`` section) and the
                     official checkpoint's fields
- ``processing``  -- llava_v1 prompt, official tokenisation, image/video preprocessing, frames,
                     the official sampling settings
- ``tokenizer``   -- the official environment's tokenizer (transformers 4.31's slow
                     LlamaTokenizer) on the checkpoint's sentencepiece model
- ``towers``      -- LanguageBind image / video towers (CLIP ViT with temporal attention), torch
- ``landmarks``   -- face-region landmark projector (FRLP) and guided cross-attention (FRGCA)
- ``reference``   -- the whole model in torch + transformers' Llama, and greedy/sampled generate
- ``convert``     -- ``facebench convert face-llava`` (official layout -> one folder)
- ``vllm_plugin`` -- the vLLM model class and ``register()`` (entry point ``vllm.general_plugins``)
- ``serve``       -- ``facebench serve face-llava`` (vLLM's OpenAI-compatible server)
"""

ARCHITECTURE = "FaceLlavaForConditionalGeneration"
