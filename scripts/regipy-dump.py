#!/usr/bin/env python3
"""regipy's reading of a hive, for the peer read-back test: one line per key ("K\tpath") and
per value ("V\tpath\tname\ttype\tsize"), sorted. Exit status 3 when regipy is not installed."""
import sys
try:
    from regipy.registry import RegistryHive
except ImportError:
    sys.exit(3)

hive = RegistryHive(sys.argv[1])
lines = []
for sk in hive.recurse_subkeys(as_json=False):
    path = sk.path
    lines.append("K\t" + path)
    for v in sk.values or []:
        lines.append("V\t%s\t%s\t%s" % (path, v.name, v.value_type))
root = hive.root
lines.append("K\t\\")
for v in root.iter_values():
    lines.append("V\t\\\t%s\t%s" % (v.name, v.value_type))
print("\n".join(sorted(set(lines))))
