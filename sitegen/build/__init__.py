"""`sitegen build`: the library turned into files under site/. Read pipeline.py first.

The pipeline and its stages, in the order a build runs them:
- pipeline: `build()`, the numbered stages top to bottom, each a call into a module below.
- context: Project (paths), BuildOptions (the caller's options, one name each),
  BuildReport, and BuildContext, the one object every stage is handed.
- loading: stage 1, the digests imported when they changed, the page files read
  (from the cache when unchanged; by several processes when many).
- jobs: stages 2-3, the library and its views, then every output file as a job.
- relatedstep: the related-papers table (cached, or computed by a child process).
- writing: stage 4, jobs rendered and written by one process or the worker pool.
- searchstep: stage 5, the search index; the only module that calls into search/.
- incremental: what a build may skip: input fingerprints, the no-op checks (by the
  stamp, then the cache), the patch fast path, writing changed files in place.

What the stages use:
- render: which jobs the site has and what each template is handed (no disk).
- fingerprint: Job and the digests of its inputs, so a skipped job is provably the same.
- templating: the Jinja environment, its filters and template fingerprints.
- partials: the `{% cached %}` tag, a partial a template author declares cacheable.
- codegen: the faster Jinja code generator, isolated, on tested Jinja versions only.
- patch: the fast path for edits that change only papers' own views (serve).
- parallel: forked workers (share_out, Forked, Standby) and their thresholds.
- cache: the build cache and its stamp; output: atomic writes, staging and the swap.

Owns: turning the library into files under site/. May import core, taxonomy, pagefile, site,
search and ingest (a build imports the digests first); must never import reading or serve.
"""
