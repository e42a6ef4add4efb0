"""Where things are in a content folder (a module of its own, so that a build with
nothing to do need not import the importer to find them)."""

DIGESTS_DIR = "digests"
PAPERS_DIR = "papers"
TAXONOMY_FILE = "taxonomy.yaml"
