export { buildCatalog } from './catalog.ts';
export type { Catalog, CatalogPrompt, CatalogResource, CatalogTemplate, CatalogTool, NamingOptions } from './catalog.ts';
