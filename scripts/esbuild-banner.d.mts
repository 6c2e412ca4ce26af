/** The `require` an ESM bundle of CommonJS dependencies needs (scripts/esbuild-banner.mjs). */
export declare const CREATE_REQUIRE_BANNER: string;
