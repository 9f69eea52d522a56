"""Write workflow/schemas/results/<file>.schema.json from the record models.

Run after changing a model in src/qchemflow/core/record_models.py; tests/unit/core/
test_record_models.py fails while the files and the models differ.
"""

import json
import sys
from pathlib import Path

from qchemflow.core.record_models import RECORD_FILES, record_json_schema

FOLDER = Path(__file__).resolve().parents[1] / "workflow/schemas/results"


def schema_text(stage: str) -> str:
    """The schema file's text for one stage."""
    return json.dumps(record_json_schema(stage), indent=2, sort_keys=True) + "\n"


def schema_path(stage: str) -> Path:
    """Where the schema of one stage's file lives."""
    return FOLDER / RECORD_FILES[stage].replace(".json", ".schema.json")


if __name__ == "__main__":
    for stage in RECORD_FILES:
        schema_path(stage).write_text(schema_text(stage))
        print(schema_path(stage), file=sys.stderr)
