/** An action whose behaviour is not built yet says so and fails; it never pretends to succeed. */
export function notBuiltYet(action: string): never {
  throw new Error(`${action}: inputs are valid, but this action's behaviour is not built yet in this version of ai-deploy.`);
}
