/**
 * Every QPP interface, by plugin name. Each provider's `<name>.d.ts` adds its entry:
 * `declare global { interface QppRegistry { name: { version: 1; functions: {...};
 * callbacks: {...} } } } export {};` and a consumer sees it through
 * `import type {} from "./name.d.ts"`.
 */
// deno-lint-ignore no-empty-interface
interface QppRegistry {}
