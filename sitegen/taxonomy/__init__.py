"""Tag rules (content/taxonomy.yaml): loading, validating (regexguard) and matching them
against papers, many at a time, by their words (batchscore, tagindex, regexread).

Owns: which tags a text earns. May import `sitegen.core` only.
"""
