"""Training on built shards: the SpatialLadder stages with TRL, transformers and accelerate.

Extra `ladderdata[train]`; torch/transformers/TRL are imported inside functions. The prompt wording
lives below, in `ladderdata.prompts` (plain strings: the cold-start rows carry the GRPO prompt). Modules:
- `build_rows`: a build's rows (through the build reader, `writers.reader`) and their media files;
- `split`: the scan-disjoint held-out split;
- `boxes`, `data`: rows -> conversational examples per stage (stage-1 boxes on the model grid);
- `collate`: SFT batches with images and frame-list videos, loss on the whole sequence or the answer;
- `rewards`: format / letter / mean-relative-accuracy / IoU scores, used by GRPO and `eval`;
- `recipe`: training recipes (manifests/train/*.yaml);
- `sft`, `grpo`, `grpo_video`, `stage_io`, `stages`: the trainers (GRPO with frame-list videos) and the
  stage ladder;
- `evaluate`: `ladderdata eval`;
- `model_io`, `tiny_model`: offline model loading, and the tiny Qwen2.5-VL for tests and smoke runs.
"""
