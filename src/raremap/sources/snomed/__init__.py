"""SNOMED International's and national release centres' SNOMED CT RF2 packages."""
