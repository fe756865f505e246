"""WHO's ICD-11 release: the MMS tabulation and the ICD-10 ⇄ ICD-11 mapping tables."""
