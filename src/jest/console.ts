// Warnings on the test file's console. Jest prints a stack trace under each console.warn;
// for the detector's own messages that would be the detector's frames, which mean nothing
// to the user, so the stack is left empty.
export function warnWithoutStack(console: Pick<Console, 'warn'>, message: string): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    console.warn(message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
