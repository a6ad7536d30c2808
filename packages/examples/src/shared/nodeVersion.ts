// The Node version check lives with the `switchyard` command, which runs it first too.
export * from '@switchyard/cli/node-version';
