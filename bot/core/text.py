"""Decoding the bytes of a file a human wrote (pure): BOMs honoured, the first bad byte located."""

from __future__ import annotations

import codecs
import dataclasses


@dataclasses.dataclass(frozen=True)
class DecodeFailure:
    line: int  # 1-based
    column: int  # 1-based
    offset: int
    byte: int
    encoding: str  # what the file claimed or was taken to be: "UTF-8", "UTF-16", "UTF-32"

    def describe(self) -> str:
        return f"The file is not valid {self.encoding} (byte 0x{self.byte:02x} at offset {self.offset})"


def decode(data: str | bytes | bytearray | memoryview) -> tuple[str | None, DecodeFailure | None]:
    """(text without a BOM, None), or (None, where decoding failed). UTF-8 unless a UTF-16/32 BOM says otherwise."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), None
    raw = bytes(data)
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        codec = "utf-32"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    else:
        codec = "utf-8-sig"
    try:
        return raw.decode(codec).removeprefix("\ufeff"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, DecodeFailure(line, column, exc.start, raw[exc.start], codec.removesuffix("-sig").upper())


def explicit_tag(source: str, index: int) -> bool:
    """Whether the YAML node starting at ``index`` of ``source`` carries an explicit tag (``!!str 0015``),
    possibly after an anchor (``&a !!str x``)."""
    i = index
    if i < len(source) and source[i] == "&":  # anchor first: skip it
        while i < len(source) and not source[i].isspace():
            i += 1
        while i < len(source) and source[i] in " \t":
            i += 1
    return i < len(source) and source[i] == "!"


YAML_TAG_KINDS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:timestamp": "timestamp",
}
