"""ICD-10-SE as Sweden publishes it: Inera's code lists, Socialstyrelsen's TSV and Inera's
KSH97-P primary-care list."""
