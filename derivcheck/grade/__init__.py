"""Grading: answer keys, matching a submission's steps to the key's, scoring, and batch runs.

`session.grade_class` does what `derivcheck grade` does; `key.read_key` and
`score.grade_submission` grade one text from Python.  Nothing is imported here, so that
`derivcheck --help` stays light.
"""
