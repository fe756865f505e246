"""BfArM's (Bundesinstitut für Arzneimittel und Medizinprodukte) Alpha-ID-SE file."""
