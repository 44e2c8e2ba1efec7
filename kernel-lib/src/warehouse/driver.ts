import { CbmError } from '../errors';

/**
 * Loads an optional database driver on first use. `@duckdb/node-api` and `pg` are optional peer
 * dependencies, so a user of the numeric root (a browser bundle, the Excel add-in) never installs
 * native modules; a warehouse user who lacks one gets a CbmError naming the package to install
 * rather than a stack trace. `load` is the caller's own `import()`, so bundlers and both builds
 * (CommonJS and ESM) see a plain dynamic import.
 */
export async function loadDriver<T>(name: string, context: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if ((code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String((error as Error).message).includes(name)) {
      throw new CbmError('MISSING_DEPENDENCY', `${context}: the optional package '${name}' is not installed; run npm install ${name}`, { dependency: name });
    }
    throw error;
  }
}
