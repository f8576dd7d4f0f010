/** The objects the suite creates beside a stable Deployment are named after it. */
export const canaryName = (deployment: string): string => `${deployment}-canary`;
export const baselineName = (deployment: string): string => `${deployment}-baseline`;
