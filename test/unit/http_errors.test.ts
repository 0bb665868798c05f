// hono's own refusals answer with recur's codes: a 415 from zod-openapi's media-type gate is
// unsupported_media_type, not invalid_request.
import { describe, expect, it } from 'vitest';
import { codeOfHttpException, ERROR_STATUS } from '../../src/http/errors.js';

describe('codeOfHttpException', () => {
  it.each([
    [400, 'invalid_request'],
    [413, 'payload_too_large'],
    [415, 'unsupported_media_type'],
    [422, 'invalid_request'],
  ])('%i is %s', (status, code) => {
    expect(codeOfHttpException(status)).toBe(code);
  });

  it('maps each code it gives back to the status it came from, where the code has one', () => {
    expect(ERROR_STATUS[codeOfHttpException(413)]).toBe(413);
    expect(ERROR_STATUS[codeOfHttpException(415)]).toBe(415);
    expect(ERROR_STATUS.request_timeout).toBe(408);
  });
});
