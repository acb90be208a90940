"""OSV advisories: read into plain values and matched against versions (`vulndb`), and the
exported index a command-line scan reads without a database (`vulnindex`)."""
