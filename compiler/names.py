"""The one reversible name mangler: any text to a valid SBML SId / BNGL name.

Letters and digits stay; ``_`` becomes ``__``; any other character becomes
``_`` plus two hex digits (``_u`` plus six for non-ASCII); a leading digit is
prefixed by ``_n``. The map is injective, so distinct names never collide, and
:func:`unmangle` inverts it.

>>> mangle("JCVISYN3A_0001"), mangle("16S rRNA"), mangle("rpsL-1")
('JCVISYN3A__0001', '_n16S_20rRNA', 'rpsL_2d1')
>>> unmangle(mangle("a 'quoted' name"))
"a 'quoted' name"
"""
from __future__ import annotations

import re

_SID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def mangle(text: str) -> str:
    out = []
    for char in text:
        if char.isascii() and char.isalnum():
            out.append(char)
        elif char == "_":
            out.append("__")
        elif ord(char) < 256:
            out.append(f"_{ord(char):02x}")
        else:
            out.append(f"_u{ord(char):06x}")
    sid = "".join(out)
    if not sid or sid[0].isdigit():
        sid = "_n" + sid
    return sid


def unmangle(sid: str) -> str:
    text = sid[2:] if sid.startswith("_n") else sid
    out, i = [], 0
    while i < len(text):
        if text[i] != "_":
            out.append(text[i])
            i += 1
        elif text[i + 1] == "_":
            out.append("_")
            i += 2
        elif text[i + 1] == "u":
            out.append(chr(int(text[i + 2:i + 8], 16)))
            i += 8
        else:
            out.append(chr(int(text[i + 1:i + 3], 16)))
            i += 3
    return "".join(out)


def is_sid(text: str) -> bool:
    return bool(_SID.match(text))
