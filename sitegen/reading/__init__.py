"""Reading commands (`sitegen mark`, `tag`, `note`, `queue`...): edits to one page's front
matter (edits) and their command-line side (commands).

Owns: the user's reading state. May import core, taxonomy, pagefile, site (to list papers)
and ingest.papers (paper keys); must never import build, search or serve.
"""
