import { StepState } from '../../shared/action/state.js';
import type { BuildLeftovers } from '../../shared/image/leftovers.js';

/** What build-image's main step hands its post step: what to remove if main was killed (never a credential). */
export const buildStepState = new StepState<BuildLeftovers>('build');
