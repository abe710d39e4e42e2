// oidc-provider (dev dependency, used only by oauth.test.ts as a real authorization server)
// ships no type declarations; the test uses a small, untyped part of its API.
declare module 'oidc-provider' {
  const Provider: new (issuer: string, config: unknown) => { callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void };
  export default Provider;
}
