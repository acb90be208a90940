import csv
import os


def write_export(rows, path):
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    os.chmod(path, 0o640)
    return path
