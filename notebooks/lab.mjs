#!/usr/bin/env node
// `npm run lab`: registers the project's tslab kernel (the one `npm start` uses: .jupyter-kernel/,
// with this checkout's node and tslab, so nothing needs to be on PATH) and opens the notebooks in
// Jupyter: JupyterLab where it is installed, else the classic Notebook (Debian: jupyter-notebook).
//
// Usage: npm run lab [-- jupyter options]      e.g. npm run lab -- --no-browser --port=8899
//        node notebooks/lab.mjs --check        print the kernel and the Jupyter front end, start nothing
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './runner/nbjson.mjs';
import { detectJupyter, ensureKernelSpec, jupyterEnv, kernelAvailable } from './runner/jupyter.mjs';

const FRONT_END_HINT = 'Install a Jupyter front end: Debian/Ubuntu `sudo apt-get install jupyter-notebook`, or `pip install jupyterlab` (into the Python that runs `jupyter`).';

/** The first installed front end ('lab' or 'notebook') of the detected jupyter, or null. */
function frontEnd(jupyter) {
  for (const app of ['lab', 'notebook']) {
    const r = spawnSync(jupyter, [app, '--version'], { encoding: 'utf8', env: jupyterEnv(), timeout: 60_000 });
    if (r.status === 0) return app;
  }
  return null;
}

function main(argv) {
  const spec = ensureKernelSpec();
  const j = detectJupyter();
  if (!j || !kernelAvailable()) {
    console.error(`Jupyter was not found (or does not see ${path.relative(REPO_ROOT, spec)}). Install it with: apt-get install -y jupyter-client python3-ipykernel`);
    return 2;
  }
  const app = frontEnd(j.jupyter);
  if (argv.includes('--check')) {
    console.log(`kernel: tslab (${path.relative(REPO_ROOT, spec)})\njupyter: ${j.jupyter}\nfront end: ${app ?? `none. ${FRONT_END_HINT}`}`);
    return app ? 0 : 2;
  }
  if (!app) {
    console.error(FRONT_END_HINT);
    return 2;
  }
  const notebooks = path.join(REPO_ROOT, 'notebooks');
  console.log(`opening ${path.relative(process.cwd(), notebooks) || '.'} in jupyter ${app}; choose the "TypeScript" kernel (tslab)`);
  const child = spawn(j.jupyter, [app, ...argv], { cwd: notebooks, env: jupyterEnv(), stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return null;
}

const code = main(process.argv.slice(2));
if (code !== null) process.exit(code);
