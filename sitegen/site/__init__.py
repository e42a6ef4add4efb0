"""The site model: page files -> library (library, drafts) -> views (views, urls, related,
feeds, bibtex, charts, markdown). Pure functions of values.

Owns: what the website says. May import core, taxonomy and pagefile (to read pages); must
never import ingest, build, search, reading or serve, and never write files.
"""
