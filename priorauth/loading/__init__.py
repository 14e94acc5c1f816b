"""Reading YAML and JSON input safely, with line numbers for every field path.

Three steps, one module each, and the paths they share:

- :mod:`~priorauth.loading.read`: bounded reading of a regular file as UTF-8 text
  (pipes, devices, huge and binary files refused);
- :mod:`~priorauth.loading.parse`: YAML or JSON into a :class:`LoadedDocument` (plain
  data and the line of every field path; unquoted scalars kept as typed, :class:`Plain`;
  both in :mod:`~priorauth.loading.document`);
- :mod:`~priorauth.loading.errors`: parser refusals, syntax errors and pydantic errors
  rewritten as ``file:line: field: message`` issues that never quote a value;
- :mod:`~priorauth.loading.paths`: how a path is written, and the one walker from a path
  to the model that validates it; :mod:`~priorauth.loading.words`: vocabulary matching
  and "did you mean"; :mod:`~priorauth.loading.sniff`: whether a path is a FHIR source,
  without importing the FHIR importer.

Values read from a file may be protected health information: no message repeats one.
"""

from priorauth.loading.document import MAX_DEPTH, LoadedDocument, Plain
from priorauth.loading.errors import _safe_message, pydantic_issues
from priorauth.loading.parse import load_file, parse_document
from priorauth.loading.paths import PathT, allowed_keys, format_path, inner_model, is_list, iter_fields, model_at, short_key, tag_models, unwrap
from priorauth.loading.read import MAX_FILE_BYTES, decode_text, read_bytes, read_text
from priorauth.loading.words import did_you_mean, match_word, suggest_word, vocabulary_key

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "LoadedDocument",
    "PathT",
    "Plain",
    "_safe_message",
    "allowed_keys",
    "decode_text",
    "did_you_mean",
    "format_path",
    "inner_model",
    "is_list",
    "iter_fields",
    "load_file",
    "match_word",
    "model_at",
    "parse_document",
    "pydantic_issues",
    "read_bytes",
    "read_text",
    "short_key",
    "suggest_word",
    "tag_models",
    "unwrap",
    "vocabulary_key",
]
