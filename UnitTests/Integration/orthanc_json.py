"""Orthanc's configuration files are JSON with /* */ and // comments (JsonCpp reads them so): read them in Python."""

import json


def strip_json_comments(text):
    """The text without its comments; strings, which may hold "//" (URLs), are left intact."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError("unterminated /* comment")
            i = end + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def read_orthanc_json(path):
    with open(path, encoding="utf-8") as f:
        return json.loads(strip_json_comments(f.read()))
