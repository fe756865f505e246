"""File formats several publishers use, kept apart from any one reader: safe file and text
access, guarded XML, OWL in RDF/XML, SNOMED CT RF2."""
