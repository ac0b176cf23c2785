import { lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';

/** Where a command writes text: `process.stdout`, `process.stderr` or a test buffer. */
export interface CliOutput {
  write(text: string): unknown;
}

/** Options of {@link CliIo.writeFile}. */
export interface CliWriteFileOptions {
  /** Permission bits of the new file, e.g. `0o600` for private key material. */
  readonly mode: number;
  /** Replace an existing file (it is removed first, so the new file gets `mode`). */
  readonly overwrite: boolean;
}

/**
 * Everything the CLI touches outside its own code, so that {@link runCli} can run in-process in
 * tests: the output streams, the working directory, the file system and the clock.
 */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Directory that relative paths in options are resolved against. */
  readonly cwd: string;
  readFile(path: string): Promise<string>;
  /**
   * Creates a file that must not exist yet (unless `overwrite`). Never follows a symbolic link
   * left at `path`: the file is opened with `O_CREAT | O_EXCL`.
   */
  writeFile(path: string, data: string, options: CliWriteFileOptions): Promise<void>;
  /** Creates a directory and its parents (mode `0o700` for new ones); no-op when it exists. */
  mkdir(path: string): Promise<void>;
  /** Whether anything (file, directory, dangling link) exists at `path`. */
  exists(path: string): Promise<boolean>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** All of standard input, as text (for secrets that must not be passed as arguments). */
  readStdin?(): Promise<string>;
}

/**
 * The {@link CliIo} of a real process, backed by `node:fs`. Fields given in `overrides`
 * replace the defaults (tests pass buffers as `stdout`/`stderr` and a temporary `cwd`).
 */
export function createNodeCliIo(overrides: Partial<CliIo> = {}): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    readFile: (path) => readFile(path, 'utf8'),
    async writeFile(path, data, { mode, overwrite }) {
      if (overwrite) await rm(path, { force: true });
      await writeFile(path, data, { mode, flag: 'wx' });
    },
    async mkdir(path) {
      await mkdir(path, { recursive: true, mode: 0o700 });
    },
    async exists(path) {
      try {
        await lstat(path);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },
    now: () => Date.now(),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    ...overrides,
  };
}

/** `"ENOENT: no such file or directory"` style detail of a file-system error. */
export function describeFsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (typeof code !== 'string') return String(message ?? error);
  // Node's messages end with the syscall and path: "ENOENT: no such file or directory, open '/x'".
  return message.replace(/, \w+( '.*')?$/, '');
}
