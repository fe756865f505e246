"""Stage 4 of the pipeline: what the loaded terminology answers (the RareMap facade, lookup,
crosswalks, UMI assessment, batch mapping, release diff, SSSOM export)."""
