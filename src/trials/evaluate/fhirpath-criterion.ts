/**
 * FHIRPath criteria (http://hl7.org/fhirpath/N1/) over a patient's FHIR record, with fhirpath.js
 * 5.2.0 and its R4 model. The record is passed as a collection of resources, so an expression
 * starts at a resource type: `MedicationStatement.medication.coding.where(code = '1601377').exists()`.
 * `%asOf` holds the evaluation date. An expression must give one boolean: `true` is MET, `false`
 * NOT_MET, and an empty result (or anything else) UNKNOWN.
 *
 * Expressions come from trial authors, not from patients, but they still run with a size guard on
 * the expression and the record, and a time limit: fhirpath.js evaluates synchronously, so each
 * call runs inside `vm` with a timeout, which terminates the evaluation if it overruns.
 */
import vm from 'node:vm';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { Resource } from '@medplum/fhirtypes';
import { BoundedMap } from '../../caching/bounded-map.ts';
import type { TriState } from '../eligibility/types.ts';

/** Longest expression a trial may carry. */
export const MAX_FHIRPATH_LENGTH = 2_000;

export interface FhirPathLimits {
  /** wall-clock limit of one evaluation, in milliseconds */
  timeoutMs: number;
  /** records with more resources than this are not evaluated (UNKNOWN) */
  maxResources: number;
}

// generous enough that a busy server does not turn a slow but sound expression into UNKNOWN
export const DEFAULT_FHIRPATH_LIMITS: FhirPathLimits = { timeoutMs: 250, maxResources: 5_000 };

type Compiled = (resource: unknown, env?: Record<string, unknown>) => unknown[];

/**
 * Compiles an expression against the R4 model, so a syntax error is reported when the trial is
 * registered rather than when a patient is matched. Returns the error message, or undefined.
 */
export function checkFhirPath(expression: string): string | undefined {
  if (expression.length > MAX_FHIRPATH_LENGTH) return `longer than ${MAX_FHIRPATH_LENGTH} characters`;
  try {
    fhirpath.compile(expression, r4);
    return undefined;
  } catch (err) {
    return `not a FHIRPath expression: ${(err as Error).message.split('\n')[0]?.slice(0, 200)}`;
  }
}

export interface FhirPathOutcome {
  result: TriState;
  reason?: string;
}

/** Evaluates FHIRPath criteria with the limits; compiled expressions are kept between calls. */
export interface FhirPathRunner {
  evaluate(expression: string, record: readonly Resource[], asOf: string): FhirPathOutcome;
}

const COMPILED_LIMIT = 500;

export function createFhirPathRunner(limits: FhirPathLimits = DEFAULT_FHIRPATH_LIMITS): FhirPathRunner {
  const compiled = new BoundedMap<string, Compiled>(COMPILED_LIMIT);
  // one context and one script for every call: creating a context costs far more than running in one
  const context = vm.createContext({ fn: undefined, data: undefined, env: undefined, out: undefined });
  const script = new vm.Script('out = fn(data, env)');
  const copies = new WeakMap<readonly Resource[], Resource[]>();

  return {
    evaluate(expression, record, asOf) {
      if (record.length > limits.maxResources) {
        return { result: 'UNKNOWN', reason: `record has more than ${limits.maxResources} resources; FHIRPath not evaluated` };
      }
      let fn = compiled.get(expression);
      if (!fn) {
        if (checkFhirPath(expression)) return { result: 'UNKNOWN', reason: 'invalid FHIRPath expression' };
        fn = fhirpath.compile(expression, r4) as Compiled;
        compiled.set(expression, fn);
      }
      // fhirpath.js annotates what it reads, so it gets a copy (one per record, shared by its expressions)
      let data = copies.get(record);
      if (!data) {
        data = structuredClone(record) as Resource[];
        copies.set(record, data);
      }
      Object.assign(context, { fn, data, env: { asOf }, out: undefined });
      try {
        script.runInContext(context, { timeout: limits.timeoutMs });
      } catch (err) {
        const timedOut = (err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
        return { result: 'UNKNOWN', reason: timedOut ? `FHIRPath evaluation exceeded ${limits.timeoutMs} ms` : 'FHIRPath evaluation failed' };
      } finally {
        Object.assign(context, { fn: undefined, data: undefined, env: undefined });
      }
      const out = context.out as unknown[];
      context.out = undefined;
      if (out.length === 0) return { result: 'UNKNOWN', reason: 'the record does not say (empty FHIRPath result)' };
      if (out.length === 1 && typeof out[0] === 'boolean') return { result: out[0] ? 'MET' : 'NOT_MET' };
      return { result: 'UNKNOWN', reason: 'FHIRPath expression did not give one boolean' };
    },
  };
}
