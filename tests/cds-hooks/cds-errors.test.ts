import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CdsErrorCode, fromHttpLayer, toCdsErrorResponse } from '../../src/cds-hooks/cds-errors.ts';

/** Errors raised by Express and body-parser before a handler runs, as CDS Hooks answers. */
describe('fromHttpLayer', () => {
  const uriError = () => Object.assign(new URIError('Failed to decode param \'%E0%A4%A\''), { status: 400, statusCode: 400 });

  it('maps the router’s URIError to 400 without echoing the path', () => {
    const err = fromHttpLayer(uriError());
    assert.equal(err?.code, CdsErrorCode.BAD_REQUEST);
    const { status, body } = toCdsErrorResponse(err);
    assert.equal(status, 400);
    assert.deepEqual(body.issue, [{ severity: 'error', code: 'invalid', diagnostics: 'the request path is not valid percent-encoding' }]);
  });

  it('keeps the body-parser types it names and the status of any other 4xx; leaves 5xx and plain errors unexpected', () => {
    assert.equal(fromHttpLayer({ type: 'entity.too.large', status: 413 })?.httpStatus, 413);
    assert.equal(fromHttpLayer({ type: 'charset.unsupported', status: 415 })?.httpStatus, 415);
    // body-parser's aborted request and too many parameters
    assert.equal(fromHttpLayer({ type: 'request.aborted', status: 400 })?.httpStatus, 400);
    assert.equal(fromHttpLayer({ type: 'parameters.too.many', statusCode: 413 })?.httpStatus, 413);
    // a 4xx with no code of its own here is a plain 400
    assert.equal(fromHttpLayer({ status: 408 })?.httpStatus, 400);
    assert.equal(fromHttpLayer({ type: 'stream.not.readable', status: 500 }), undefined);
    assert.equal(fromHttpLayer(new URIError('URI malformed')), undefined);
    assert.equal(fromHttpLayer(new TypeError('x')), undefined);
    assert.equal(fromHttpLayer(null), undefined);
  });
});
