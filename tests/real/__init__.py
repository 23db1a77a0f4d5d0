"""The real-GLPI lane: the bridge against a real GLPI 10.0.12 and 11.0.6 (docs/real-glpi.md)."""
