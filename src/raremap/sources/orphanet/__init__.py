"""Orphanet's releases: the nomenclature pack and Orphadata products (JDBOR XML), the pack's
MasterFile (xlsx) and ORDO (OWL), with the vocabulary the three share."""
