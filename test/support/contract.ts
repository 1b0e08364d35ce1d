/**
 * Validates API responses against the OpenAPI document (GET /openapi.json's content): the status must be documented
 * for the operation and a JSON body must fit that status's schema. Throws with the mismatch.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { openApiDocument } from '../../api/openapi/document.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const DOC_ID = 'https://chainflow.local/openapi.json';
const doc = openApiDocument();
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...doc, $id: DOC_ID });

const templates = Object.keys(doc.paths).map((path) => ({
  path,
  re: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));
const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** Checks one response; returns the number of checks made (1) so callers can count them. */
export function assertMatchesContract(method: string, url: string, status: number, body: unknown): void {
  const path = new URL(url, 'http://x').pathname;
  const template = templates.find((t) => t.re.test(path) && doc.paths[t.path]?.[method.toLowerCase()]);
  if (!template) throw new Error(`contract: ${method} ${path} is not in the OpenAPI document`);
  const op = doc.paths[template.path]![method.toLowerCase()] as {
    responses: Record<string, { content?: Record<string, unknown> }>;
  };
  const response = op.responses[String(status)];
  if (!response) throw new Error(`contract: ${method} ${template.path} answered ${status}, not documented`);
  if (!response.content?.['application/json']) return;
  const ref = `${DOC_ID}#/${pointer('paths', template.path, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema')}`;
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`contract: no schema at ${ref}`);
  if (!validate(body))
    throw new Error(
      `contract: ${method} ${template.path} ${status} does not fit its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`,
    );
}
