/**
 * Consent to federated training at a site. A patient is left out of a round when, before the
 * round started, either
 *   - their latest FHIR Consent about research use denied it (consent-rules.ts), judged on the
 *     versions of their Consent resources the site had stored by then; or
 *   - a withdrawal was recorded here through `withdrawConsent`.
 * The round's start decides, so a round's training set does not change while it runs, and a
 * withdrawal applies from the next round on. An explicit withdrawal is final: a later FHIR Consent
 * does not undo it, since an EHR re-sending an old `active` Consent must not re-enrol someone who
 * withdrew.
 */
import type { Consent } from '@medplum/fhirtypes';
import { z } from 'zod';
import type { ClinicalService } from '../../clinical/clinical-service.ts';
import { badInput, notFound } from '../../errors/domain-error.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Database } from '../../storage/port.ts';
import { patientsDenyingConsent, type RecordedConsent } from './consent-rules.ts';

export interface ConsentService {
  /** Records that a patient withdrew consent to federated training; it applies to rounds starting later. */
  withdrawConsent(patientId: string, reason: string): Promise<{ patientId: string; recordedAt: string }>;
  /** The patients to leave out of a round that starts at `asOf`. */
  excludedPatients(asOf: Date): Promise<Set<string>>;
}

export interface ConsentServiceOptions {
  db: Database;
  clinical: Pick<ClinicalService, 'patientExists'>;
  logger: Logger;
}

const WithdrawalInput = z.object({
  patientId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'not a FHIR id'),
  reason: z.string().trim().min(1, 'a withdrawal needs a reason').max(1000, 'at most 1000 characters'),
});

/** The consent service of a site, over its database. */
export function createConsentService(options: ConsentServiceOptions): ConsentService {
  const { db, logger } = options;
  return {
    async withdrawConsent(patientId, reason) {
      const parsed = WithdrawalInput.safeParse({ patientId, reason });
      if (!parsed.success) {
        throw badInput('consent withdrawal rejected', parsed.error.issues.map((i) => ({ expression: i.path.join('.'), message: i.message })));
      }
      if (!(await options.clinical.patientExists(parsed.data.patientId))) throw notFound(`Patient/${parsed.data.patientId} is not stored at this site`);
      const res = await db.query<{ recorded_at: Date | string }>(
        'INSERT INTO consent_withdrawal (patient_id, reason) VALUES ($1, $2) RETURNING recorded_at',
        [parsed.data.patientId, parsed.data.reason],
      );
      const recordedAt = new Date(res.rows[0]!.recorded_at).toISOString();
      // the reason is free text about a patient, so it stays in the database
      logger.info({ patientId: parsed.data.patientId, recordedAt }, 'consent withdrawal recorded');
      return { patientId: parsed.data.patientId, recordedAt };
    },
    async excludedPatients(asOf) {
      if (Number.isNaN(asOf.getTime())) throw badInput('asOf is not a valid time');
      const withdrawn = await db.query<{ patient_id: string }>('SELECT DISTINCT patient_id FROM consent_withdrawal WHERE recorded_at < $1', [asOf]);
      // each Consent as the site held it at asOf: its latest version stored before then
      const versions = await db.query<{ patient_id: string; content: Consent; recorded_at: Date | string }>(
        `SELECT DISTINCT ON (v.id) r.patient_id, v.content, v.recorded_at
         FROM fhir_resource_version v JOIN fhir_resource r ON r.resource_type = v.resource_type AND r.id = v.id
         WHERE v.resource_type = 'Consent' AND v.recorded_at < $1 AND r.patient_id IS NOT NULL
         ORDER BY v.id, v.version DESC`,
        [asOf],
      );
      const consents: RecordedConsent[] = versions.rows.map((r) => ({ patientId: r.patient_id, consent: r.content, recordedAt: new Date(r.recorded_at) }));
      return new Set([...withdrawn.rows.map((r) => r.patient_id), ...patientsDenyingConsent(consents)]);
    },
  };
}
