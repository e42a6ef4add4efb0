"""The user's Markdown pages: front matter reading (frontmatter, pages), writing new pages
(frontwrite) and safe in-place edits (pagewrite: lock, compare-and-swap, three-way merge).

Owns: the page file format and every write to content/papers/. May import core only.
"""
