import os
import sys


def backup(target):
    os.system("rsync -a /data " + target)


if __name__ == "__main__":
    backup(sys.argv[1])
