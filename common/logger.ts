// The logging port: pino in the apps, a quiet default in the library and tests.

export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  child(bindings: object): Logger;
}

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof levels;

/** JSON lines on stderr at or above `level`. */
export function consoleLogger(level: LogLevel = 'warn', bindings: object = {}): Logger {
  const write = (at: Exclude<LogLevel, 'silent'>, fields: object, message?: string) => {
    if (levels[at] < levels[level]) return;
    process.stderr.write(`${JSON.stringify({ level: at, time: Date.now(), ...bindings, ...fields, msg: message })}\n`);
  };
  return {
    debug: (f, m) => write('debug', f, m),
    info: (f, m) => write('info', f, m),
    warn: (f, m) => write('warn', f, m),
    error: (f, m) => write('error', f, m),
    child: (more) => consoleLogger(level, { ...bindings, ...more }),
  };
}
