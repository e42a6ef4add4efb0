"""Tag rules (content/taxonomy.yaml): loading, validating (regexguard) and matching them
against papers in one pass (tagindex, regexread).

Owns: which tags a text earns. May import `sitegen.core` only.
"""
