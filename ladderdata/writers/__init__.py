"""Writers: every output of a build, at the paths defined in `layout.py`.

`parquet` (shards with an explicit schema), `jsonl` (the upstream-compatible exports and the dropped-row
logs), `media` (meta/media.json and copied images), `info` (meta/info.json) and `card` (README.md);
`reader` reads a build back (rows, meta, media entries) for the audit, the trainer, the Hub and the bench.
"""
