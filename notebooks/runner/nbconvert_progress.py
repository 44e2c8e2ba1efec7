# nbconvert config used by notebooks/run.mjs (jupyter backend).
#
#   jupyter nbconvert --to notebook --execute --config notebooks/runner/nbconvert_progress.py ...
#
# Reports every code cell to stderr as lines "@@cbm-cell <json>": one with
# "event": "start" when the cell is sent to the kernel, one with
# "event": "executed" (plus status and ms) when its execute_reply arrived, so
# the Node runner can print per-cell progress, record results only for cells
# that really ran, and, on failure, show the cell's stderr (tslab reports
# errors only as a stderr stream plus status "error" in the execute_reply; it
# never sends an "error" message, so nbconvert's own CellExecutionError
# message is empty).
#
# Every code cell runs: nbclient's "skip-execution" tag is disabled (no valid
# tag is the empty string), as the in-process backend runs every cell too.
import json
import sys
import time

_started = {}


def _emit(event):
    sys.stderr.write("@@cbm-cell " + json.dumps(event, sort_keys=True) + "\n")
    sys.stderr.flush()


def _on_cell_execute(cell, cell_index, **kwargs):
    _started[cell_index] = time.monotonic()
    _emit({"event": "start", "index": cell_index})


def _on_cell_executed(cell, cell_index, execute_reply=None, **kwargs):
    ms = int(round((time.monotonic() - _started.pop(cell_index, time.monotonic())) * 1000))
    status = "ok"
    if execute_reply is not None:
        status = execute_reply.get("content", {}).get("status", "ok")
    event = {"event": "executed", "index": cell_index, "status": status, "ms": ms}
    if status != "ok":
        # The failing cell's outputs carry tslab's error report (stderr stream).
        event["outputs"] = [dict(o) for o in cell.get("outputs", [])]
    _emit(event)


c = get_config()  # noqa: F821  (provided by traitlets when loading the config file)
c.ExecutePreprocessor.on_cell_execute = _on_cell_execute
c.ExecutePreprocessor.on_cell_executed = _on_cell_executed
c.ExecutePreprocessor.skip_cells_with_tag = ""
