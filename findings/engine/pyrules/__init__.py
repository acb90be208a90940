"""The Python plugin's pattern rules (no data flow needed) and the table of classes it reports."""
