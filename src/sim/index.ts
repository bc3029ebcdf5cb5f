export { Rng } from "../domain/rng.ts";
export { ALL_STYLES, DIRECTIONAL_STYLES, labelOf, MM_STYLES, type Style } from "./agents.ts";
export { toActivityRecord, toGammaMarket, type WrittenFiles, writeSimFiles } from "./files.ts";
export {
  DEFAULT_SIM_PARAMS,
  type SimLabelRow,
  type SimParams,
  type SimResult,
  simulate,
  validateSimParams,
} from "./simulate.ts";
