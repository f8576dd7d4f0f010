export interface Inputs {}
export function getInputs(): Inputs {
  return {};
}
