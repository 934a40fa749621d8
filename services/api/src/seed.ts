import { PRODUCT_TYPES, streamName } from '@pz/contracts';
import { productTypeDecider, releaseDecider } from '@pz/domain';
import type { CommandBus } from './commands/command-bus';
import { systemContext } from './commands/command-context';

/**
 * First-start reference data, as events: the seven product types and the DP1 release. Seeding
 * is idempotent (fixed command ids, streams that must not exist), so every start may run it.
 */
export async function seedReferenceData(bus: CommandBus): Promise<void> {
  for (const t of PRODUCT_TYPES) {
    await bus.execute(productTypeDecider, streamName('producttype', t.name), {
      type: 'SeedProductType',
      productType: { productTypeId: t.order, name: t.name, displayName: t.displayName, order: t.order, description: t.description },
    }, systemContext(`seed-product-type-${t.name}`));
  }
  const dp1 = await bus.load(releaseDecider, streamName('release', 'DP1'));
  if (!dp1.state.exists) {
    await bus.execute(releaseDecider, streamName('release', 'DP1'), {
      type: 'AddRelease',
      callerIsAdmin: true,
      release: {
        releaseId: 1,
        name: 'DP1',
        displayName: 'LSST DP1',
        description: 'Rubin Observatory Data Preview 1',
        indexingColumn: 'objectId',
        hasMagHats: false,
        hasFluxHats: true,
        dereddening: null,
        fluxes: ['u_cModelFlux', 'g_cModelFlux', 'r_cModelFlux', 'i_cModelFlux', 'z_cModelFlux', 'y_cModelFlux'],
        isPublic: true,
      },
    }, systemContext('seed-release-DP1'));
  }
}
