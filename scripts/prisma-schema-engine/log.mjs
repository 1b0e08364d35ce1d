// Log lines in the native engine's stderr format: the prisma CLI parses them as JSON
// (`fields.message`, and `fields.error_code` on `level: "ERROR"` lines from target `schema_engine::logger`).
export function logLine(level, message, fields = {}) {
  const line = {
    timestamp: new Date().toISOString(),
    level,
    fields: { message, ...fields },
    target: 'schema_engine::logger',
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}
