#!/usr/bin/python3
"""Writes a test hive with libhivex (Debian's python3-hivex), starting from hivex's `minimal` image.

Usage: make-hivex-test-hive.py MINIMAL OUT
It holds every value type (0-11 and two unknown ones), names in several scripts, values of
16343/16344/16345/70000 bytes (hivex writes them as one cell, never db), and a subtree that is
created and then deleted (its cells stay behind as free space).
"""
import shutil
import struct
import sys
import hivex

src, out = sys.argv[1], sys.argv[2]
shutil.copyfile(src, out)
h = hivex.Hivex(out, write=True)
root = h.root()

def utf16z(s):
    return s.encode("utf-16-le") + b"\0\0"

types = h.node_add_child(root, "Types")
h.node_set_values(types, [
    {"key": "", "t": 1, "value": utf16z("default")},
    {"key": "none", "t": 0, "value": b"\x01\x02"},
    {"key": "sz", "t": 1, "value": utf16z("text ünï")},
    {"key": "sz-odd", "t": 1, "value": b"abc"},
    {"key": "expand", "t": 2, "value": utf16z("%SystemRoot%\\x")},
    {"key": "binary", "t": 3, "value": bytes(range(40))},
    {"key": "dword", "t": 4, "value": struct.pack("<I", 0xDEADBEEF)},
    {"key": "dword-short", "t": 4, "value": b"\x01\x02"},
    {"key": "dword-be", "t": 5, "value": struct.pack(">I", 42)},
    {"key": "link", "t": 6, "value": "\\Registry\\Machine\\X".encode("utf-16-le")},
    {"key": "multi", "t": 7, "value": utf16z("a") + utf16z("bb") + b"\0\0"},
    {"key": "resource-list", "t": 8, "value": b"\x00" * 12},
    {"key": "full-resource", "t": 9, "value": b"\x01" * 20},
    {"key": "requirements", "t": 10, "value": b"\x02" * 30},
    {"key": "qword", "t": 11, "value": struct.pack("<Q", 2**40 + 5)},
    {"key": "filetime", "t": 0x10, "value": struct.pack("<Q", 132288000000000000)},
    {"key": "devprop", "t": 0xFFFF0011, "value": b"\x07"},
])

scripts = h.node_add_child(root, "Scripts")
for name in ["Привет", "Γειά", "日本語", "مرحبا", "emoji 🌍", "ÄÖÜ äöü"]:
    child = h.node_add_child(scripts, name)
    h.node_set_value(child, {"key": name, "t": 1, "value": utf16z(name)})

sizes = h.node_add_child(root, "Sizes")
h.node_set_values(sizes, [
    {"key": "b%d" % n, "t": 3, "value": bytes((i * 7) & 0xFF for i in range(n))}
    for n in (16343, 16344, 16345, 70000)
])

deleted = h.node_add_child(root, "Deleted")
inner = h.node_add_child(deleted, "Inner")
h.node_set_value(inner, {"key": "gone", "t": 1, "value": utf16z("gone")})
h.node_delete_child(deleted)

h.commit(out)
