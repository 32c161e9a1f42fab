#!/usr/bin/env python3
"""Copies chosen top-level entries of a QEMU -dump-vmstate file, byte for byte.

QEMU writes the dump by hand with 2-space indentation: every top-level entry starts with a line
'  "KEY": {' and ends with the line '  }' or '  },'. This keeps "vmschkmachine" and the named
entries exactly as QEMU wrote them (text slices, no JSON re-encoding), so the extract is still
QEMU's own output.

usage: extract-dump-sections.py DUMP.json KEY... > EXTRACT.json
"""
import sys


def main():
    dump, keys = sys.argv[1], set(sys.argv[2:]) | {"vmschkmachine"}
    lines = open(dump, encoding="utf-8").read().split("\n")
    entries, current = [], None
    for line in lines[1:]:
        if current is None and line.startswith('  "') and line.endswith('": {'):
            current = [line.rstrip()]
            name = line[3:-4]
        elif current is not None:
            current.append(line)
            if line in ("  }", "  },"):
                if name in keys:
                    entries.append(current)
                current = None
    missing = keys - {e[0][3:-4] for e in entries}
    if missing:
        sys.exit("not in the dump: " + ", ".join(sorted(missing)))
    out = ["{"]
    for i, e in enumerate(entries):
        body = e[:-1] + ["  }," if i < len(entries) - 1 else "  }"]
        out.extend(body)
    out.append("}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
