"""Starts the tslab kernel through jupyter_client, as Jupyter does, runs one cell and prints what came back as JSON.

Usage: python3 kernel_smoke.py <cwd> <code>   (JUPYTER_PATH must include the project's .jupyter-kernel/share/jupyter)
"""
import json
import sys

from jupyter_client.manager import start_new_kernel

cwd, code = sys.argv[1], sys.argv[2]
km, kc = start_new_kernel(kernel_name="tslab", cwd=cwd, startup_timeout=120)
outputs = []


def hook(msg):
    kind = msg["header"]["msg_type"]
    if kind in ("execute_result", "display_data"):
        outputs.append({"type": kind, "text": msg["content"]["data"].get("text/plain", "")})
    elif kind == "stream":
        outputs.append({"type": "stream", "text": msg["content"]["text"]})
    elif kind == "error":
        outputs.append({"type": "error", "text": msg["content"]["ename"] + ": " + msg["content"]["evalue"]})


try:
    reply = kc.execute_interactive(code, timeout=120, output_hook=hook)
    print(json.dumps({"status": reply["content"]["status"], "outputs": outputs}))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    # Collected now, not during interpreter shutdown (where the client's __del__ logs a TypeError).
    del kc, km
