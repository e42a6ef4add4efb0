"""Digests and other inputs -> entries -> papers -> page files (`sitegen import`, `add`,
`enrich`).

Owns: reading inputs (digest, filedates, inputs, bibinputs), identity and merging (grouping, matching,
papers) and creating/updating pages (importer). Lookups on the network live here too
(lookup, enrich). May import core, taxonomy and pagefile; must never import site, build,
search, reading or serve: the import knows nothing about the website.
"""
