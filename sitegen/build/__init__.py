"""`sitegen build`: the pipeline (pipeline), templates (templating, render), workers
(parallel), the build cache and incremental paths (cache, patch) and the atomic writer (output).

Owns: turning the library into files under site/. May import core, taxonomy, pagefile, site,
search and ingest (a build imports the digests first); must never import reading or serve.
"""
