"""The shared vocabulary: data types (models), identity of papers and tags, identifiers,
slugs, wording, file-system helpers and where bundled resources live.

Owns: everything more than one stage needs. Must never import any other sitegen package.
"""
