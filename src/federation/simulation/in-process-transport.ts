/**
 * Sites and coordinator in one process: each {@link SiteParticipant} keeps its own rows, its seed
 * and its loader's place between rounds, and answers the coordinator's requests as a remote site
 * would. Nothing but the update (or its masked form) comes back.
 */
import { badInput } from '../../errors/domain-error.ts';
import type { FederatedModel } from '../local-training/federated-model.ts';
import { trainLocally, type LocalUpdate } from '../local-training/local-trainer.ts';
import type { SiteData } from '../local-training/site-data.ts';
import { secureWeightedSum } from './secure-sum.ts';
import type { FederationTransport, RoundRequest, SecureRoundOptions, SecureSum } from './transport.ts';

/** A site: its training rows stay here, and it remembers how far its loader has run. */
export class SiteParticipant {
  private loaderPosition = 0;

  constructor(
    readonly id: string,
    private readonly model: FederatedModel,
    private readonly train: SiteData,
    private readonly seed: number,
  ) {}

  /** Trains one round from the request's global weights. */
  handle(request: RoundRequest): LocalUpdate {
    const update = trainLocally(this.model, request.globalWeights, this.train, request.config, {
      seed: this.seed,
      site: this.id,
      round: request.round,
      loaderPosition: this.loaderPosition,
    });
    // DP rounds sample by Poisson and never touch the loader, so only plain rounds move it.
    if (!update.privacy) this.loaderPosition += update.steps;
    return update;
  }
}

/** {@link FederationTransport} over participants living in this process. */
export class InProcessTransport implements FederationTransport {
  private readonly byId: Map<string, SiteParticipant>;

  constructor(participants: readonly SiteParticipant[]) {
    this.byId = new Map(participants.map((p) => [p.id, p]));
    if (this.byId.size !== participants.length) throw badInput('two sites share an id');
  }

  get siteIds(): readonly string[] {
    return [...this.byId.keys()];
  }

  async requestUpdate(siteId: string, request: RoundRequest): Promise<LocalUpdate> {
    return this.site(siteId).handle(request);
  }

  async requestSecureSum(requests: ReadonlyMap<string, RoundRequest>, options: SecureRoundOptions): Promise<SecureSum> {
    const updates = [...requests].map(([siteId, request]) => ({ siteId, update: this.site(siteId).handle(request) }));
    const sum = secureWeightedSum(
      updates.map(({ siteId, update }) => ({ siteId, delta: update.delta, numExamples: update.numExamples })),
      options,
    );
    return { ...sum, privacy: Object.fromEntries(updates.map(({ siteId, update }) => [siteId, update.privacy])) };
  }

  private site(id: string): SiteParticipant {
    const site = this.byId.get(id);
    if (!site) throw badInput(`no site ${id} in this federation`);
    return site;
  }
}
