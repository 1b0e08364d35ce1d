import { solanaCase } from '../support/chain-cases.js';
import { describeChainE2E } from '../support/chain-e2e.js';

describeChainE2E(solanaCase);
