"""Search: the Pagefind index over the built site and the offline (`file://`) index.

Owns: everything under site/pagefind/ and the offline index. May import core, site and
build.output (to write atomically); must never import ingest, reading or serve.
"""
